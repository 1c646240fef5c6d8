from stent import entity


@entity
class Chatty:
    def __init__(self, name: str):
        self.name: str = name
        self.said: int = 0

    def __key__(self):
        return self.name

    def say(self, msg: str) -> None:
        print("chatty says", msg, self.said)
        self.said += 1

    def talk_to(self, other: "Chatty", msg: str) -> int:
        print(f"{self.name} -> {other.name}: {msg}")
        other.say(msg)
        return self.said
