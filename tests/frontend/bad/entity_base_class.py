from stent import entity


class Base:
    pass


@entity
class A(Base):
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name
