from stent import entity


@entity
class M:
    def __init__(self, name: str):
        self.name: str = name
        self.last: float = 0.0

    def __key__(self):
        return self.name

    def methods(self, s: str) -> list[str]:
        parts = s.split(",")
        words = s.split()
        return [
            s.upper(),
            s.lower(),
            "[" + s.strip() + "]",
            str(parts),
            str(words),
            "-".join(words),
            s.replace("a", "A"),
            str(s.startswith("  h")),
            str(s.endswith("!")),
            str(s.find("o")),
            str(s.find("zzz")),
            str(s.count("l")),
        ]
