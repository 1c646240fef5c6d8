from stent import entity


@entity
class Profile:
    def __init__(self, name: str):
        self.name: str = name
        self.nick: str = ""
        self.score: int = 0
        self.tags: list[str] = []
        self.meta: dict[str, int] = {}

    def __key__(self):
        return self.name

    def update(self, nick: str, pts: int) -> None:
        self.nick = nick
        self.score += pts
        self.tags.append(nick)
        self.meta[nick] = pts


@entity
class Reader:
    def __init__(self, name: str):
        self.name: str = name

    def __key__(self):
        return self.name

    def observe(self, p: Profile, nick: str, pts: int) -> list[str]:
        before = f"{p.nick}|{p.score}|{p.tags}|{p.meta}"
        p.update(nick, pts)
        after = f"{p.nick}|{p.score}|{p.tags}|{p.meta}"
        return [before, after, p.name]
