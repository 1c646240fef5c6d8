from typing import Dict, List

from stent import entity


@entity
class Member:
    def __init__(self, name: str, score: int):
        self.name: str = name
        self.score: int = score
        self.asked: int = 0

    def __key__(self):
        return self.name

    def get_score(self) -> int:
        self.asked += 1
        return self.score

    def history(self) -> List[int]:
        return [self.score, self.score * 2, self.score * 3]


@entity
class Team:
    def __init__(self, name: str):
        self.name: str = name
        self.members: Dict[str, Member] = {}

    def __key__(self):
        return self.name

    def join(self, m: Member) -> int:
        self.members[m.name] = m
        return len(self.members)

    def total(self) -> int:
        t = 0
        for name, m in self.members.items():
            t += m.get_score()
        return t

    def repeat(self, m: Member) -> List[int]:
        out = []
        for i in range(m.get_score()):
            out.append(i)
        for h in m.history():
            out.append(h)
        return out
