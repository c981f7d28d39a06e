"""No-op stand-in for tqdm (used only where the real package is missing)."""


class tqdm:
    def __init__(self, iterable=None, total=None, initial=0, **kw):
        self.iterable, self.n, self.total = iterable, initial, total

    def __iter__(self):
        return iter(self.iterable)

    def update(self, n=1):
        self.n += n
        if self.total and self.n % 1000 == 0:
            print(f"step {self.n}/{self.total}", flush=True)

    def set_postfix(self, **kw):
        pass

    def close(self):
        pass
