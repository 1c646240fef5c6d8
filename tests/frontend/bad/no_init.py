from stent import entity


@entity
class A:
    def __key__(self):
        return self.name
