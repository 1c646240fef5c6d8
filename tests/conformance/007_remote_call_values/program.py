from typing import Optional

from stent import entity


@entity
class Server:
    def __init__(self, name: str):
        self.name: str = name
        self.calls: int = 0

    def __key__(self):
        return self.name

    def an_int(self) -> int:
        self.calls += 1
        return 42

    def a_float(self) -> float:
        return 6.0

    def a_str(self, x: str) -> str:
        return x + "!"

    def a_bool(self, x: int) -> bool:
        return x > 0

    def nothing(self):
        self.calls += 1

    def a_list(self, n: int) -> list[int]:
        out = []
        for i in range(n):
            out.append(i * i)
        return out

    def a_dict(self) -> dict[str, int]:
        return {"b": 2, "a": 1}

    def a_tuple(self) -> tuple[int, str]:
        return (7, "seven")

    def maybe(self, x: int) -> Optional[int]:
        if x > 0:
            return x
        return None


@entity
class Client:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def collect(self, s: Server) -> list[str]:
        out = []
        out.append(str(s.an_int() + 1))
        out.append(str(s.a_float()))
        out.append(s.a_str("hi"))
        out.append(str(s.a_bool(3)) + str(s.a_bool(-3)))
        out.append(str(s.nothing()))
        out.append(str(s.a_list(4)))
        out.append(str(s.a_dict()))
        out.append(str(s.a_tuple()))
        out.append(str(s.maybe(0)) + "/" + str(s.maybe(5)))
        return out

    def raw_tuple(self, s: Server) -> tuple[int, str]:
        return s.a_tuple()

    def raw_float(self, s: Server) -> float:
        return s.a_float()
