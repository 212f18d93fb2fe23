"""Reading rendered pages in tests: the label → value pairs of definition lists and the cells of tables."""

from html.parser import HTMLParser


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.facts: list[tuple[str, str]] = []
        self.tables: list[list[list[str]]] = []
        self._tag = None
        self._text: list[str] = []
        self._dt = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("dt", "dd", "td", "th"):
            self._tag, self._text = tag, []
        elif tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []

    def handle_endtag(self, tag):
        if tag != self._tag:
            if tag == "tr" and self._row is not None and self.tables:
                self.tables[-1].append(self._row)
                self._row = None
            return
        text = " ".join("".join(self._text).split())
        if tag == "dt":
            self._dt = text
        elif tag == "dd" and self._dt is not None:
            self.facts.append((self._dt, text))
            self._dt = None
        elif tag in ("td", "th") and self._row is not None:
            self._row.append(text)
        self._tag = None

    def handle_data(self, data):
        if self._tag:
            self._text.append(data)


def facts(html: str) -> list[tuple[str, str]]:
    """Every (dt, dd) pair of the page, in order, with whitespace collapsed."""
    reader = _Reader()
    reader.feed(html)
    return reader.facts


def tables(html: str) -> list[list[list[str]]]:
    """Every table of the page as rows of cell texts (header rows included)."""
    reader = _Reader()
    reader.feed(html)
    return reader.tables
