"""A tiny social network: follow, post with fan-out to followers' timelines, likes.

Each User keeps references to its followers. post() writes to the author and
then delivers to every follower with a remote call (fan-out on write), so one
request touches 1 + len(followers) entities, all or nothing.
"""
from typing import Dict, List

from stent import entity


class ContentRejected(Exception):
    pass


class AlreadyFollowing(Exception):
    pass


@entity
class User:
    def __init__(self, username: str, display: str):
        self.username: str = username
        self.display: str = display
        self.followers: List["User"] = []
        self.following: List[str] = []
        self.posts: List[str] = []
        self.likes: Dict[int, List[str]] = {}
        self.timeline: List[str] = []
        self.muted: List[str] = []

    def __key__(self):
        return self.username

    # "follower follows self": called on the account being followed
    def followed_by(self, follower: "User") -> int:
        name = follower.username
        if name == self.username:
            raise ValueError("cannot follow yourself")
        for f in self.followers:
            if f.username == name:
                raise AlreadyFollowing(f"{name} already follows {self.username}")
        self.followers.append(follower)
        follower.note_following(self.username)
        return len(self.followers)

    def unfollowed_by(self, follower: "User") -> int:
        name = follower.username
        kept = []
        for f in self.followers:
            if f.username != name:
                kept.append(f)
        if len(kept) == len(self.followers):
            return -1
        self.followers = kept
        follower.note_unfollowing(self.username)
        return len(self.followers)

    def note_following(self, name: str) -> None:
        self.following.append(name)

    def note_unfollowing(self, name: str) -> None:
        self.following.remove(name)

    def mute(self, name: str) -> List[str]:
        if name not in self.muted:
            self.muted.append(name)
        return self.muted

    def post(self, text: str) -> int:
        text = text.strip()
        if not text:
            raise ContentRejected("empty post")
        if len(text) > 80:
            raise ContentRejected(f"post too long ({len(text)} > 80)")
        if "spam" in text.lower():
            raise ContentRejected("looks like spam")
        self.posts.append(text)
        delivered = 0
        for f in self.followers:
            if f.deliver(self.username, f"{self.display}: {text}"):
                delivered += 1
        return delivered

    def deliver(self, author: str, line: str) -> bool:
        if author in self.muted:
            return False
        self.timeline.append(line)
        if len(self.timeline) > 10:
            self.timeline = self.timeline[-10:]
        return True

    def like(self, author: "User", idx: int) -> int:
        return author.receive_like(idx, self.username)

    def receive_like(self, idx: int, who: str) -> int:
        assert 0 <= idx < len(self.posts), f"{self.username} has no post #{idx}"
        likers = self.likes.setdefault(idx, [])
        if who in likers:
            return len(likers)
        likers.append(who)
        return len(likers)

    def read_timeline(self, n: int) -> List[str]:
        if n <= 0:
            return []
        return self.timeline[-n:][::-1]

    def top_words(self, k: int) -> List[str]:
        counts: Dict[str, int] = {}
        for line in self.timeline:
            parts = line.split(": ")
            for w in parts[-1].lower().split():
                if len(w) > 3:
                    counts[w] = counts.get(w, 0) + 1
        ranked = []
        for w, c in counts.items():
            ranked.append((-c, w))
        out = []
        for neg, w in sorted(ranked)[:k]:
            out.append(f"{w}:{-neg}")
        return out

    def mutuals(self, other: "User") -> List[str]:
        theirs = other.following
        both = []
        for name in self.following:
            if name in theirs:
                both.append(name)
        return sorted(both)

    def most_liked(self) -> str:
        best = -1
        best_n = 0
        for idx, who in self.likes.items():
            if len(who) > best_n or (len(who) == best_n and idx < best):
                best = idx
                best_n = len(who)
        if best < 0:
            return "nothing liked yet"
        return f"{self.posts[best]!r} ({best_n} likes)"
