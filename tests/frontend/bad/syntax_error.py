from stent import entity

@entity
class A:
    def f(self)
        pass
