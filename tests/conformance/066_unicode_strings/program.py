from stent import entity


@entity
class Word:
    def __init__(self, text: str):
        self.text: str = text
        self.notes: list[str] = []

    def __key__(self):
        return self.text

    def info(self) -> list[str]:
        t = self.text
        return [str(len(t)), t[::-1], t[1:3], t.upper(), t[-1], str("é" in t), f"{t:>8}|"]

    def note(self, s: str) -> int:
        self.notes.append(s + "✓")
        return len(self.notes[-1])
