"""Saved HTML pages -> :class:`Article`.

Metadata comes from what the page declares about itself (:mod:`.htmlmeta`).

The body is the article text without the page around it. The page is parsed
with lexbor (selectolax, a small C extension); ``bench/html_extract.py``
measures it against trafilatura, readability-lxml, jusText, BeautifulSoup and
the standard library's ``html.parser`` on real and synthetic pages. The
extraction works in four passes over the tree:

1. drop what is never article text: scripts, styles, forms, navigation,
   footers, asides, hidden elements, and elements whose class, id or ARIA
   role names page furniture (share, comments, related, cookie, banner ...);
2. pick the content root: ``itemprop=articleBody``, else the ``<article>``
   with the most text, else the element holding the most paragraph text
   outside links (a short form of readability's scoring);
3. inside the root, drop link lists and «Читайте также»-style blocks;
4. turn block elements into line breaks and normalise the whitespace.
"""
from __future__ import annotations

import codecs
import re
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

from ..errors import ArticleError
from .htmlmeta import PageMeta
from .limits import cut_html
from .model import Article

__all__ = ["declared_charset", "html_to_text", "parse_html"]

# Mark line breaks and link text in the extracted text: control characters
# that lexbor keeps and articles do not use (any in the input are blanked).
_BREAK = "\x1e"
_LINK = "\x1f"  # brackets link text, to find lines that are mostly links

_BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hgroup", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead",
    "tfoot", "tr", "ul", "center", "related",
)
_BLOCK_SELECTOR = ",".join(_BLOCK_TAGS)
_CELL_SELECTOR = "td,th"

# Never article text, wherever they are.
_JUNK_TAGS = [
    "script", "style", "noscript", "template", "svg", "math", "canvas", "iframe", "object", "embed",
    "audio", "video", "picture", "source", "track", "map", "head", "form", "button", "input",
    "select", "option", "textarea", "label", "dialog", "menu",
]
# Page furniture; an <article>'s own <header>/<footer> too (headline, byline, tags).
_FURNITURE_TAGS = "nav,footer,aside,header,address,related"
_FURNITURE_ROLES = (
    '[role="navigation"],[role="banner"],[role="contentinfo"],[role="complementary"],'
    '[role="menu"],[role="menubar"],[role="dialog"],[role="alertdialog"],[role="search"],'
    '[role="toolbar"],[hidden],[aria-hidden="true"]'
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)

# Words in class and id values that name page furniture. Matched against the
# parts of each class/id split on '-', '_' and case changes.
_FURNITURE_WORDS = frozenset("""
    share shares sharing sharer social socials soc likes like ya addthis pluso uptolike
    comment comments commentlist disqus discussion reply replies respond
    related relatedposts relap also readalso readmore recommend recommended recommendations
    popular mostread trending teaser teasers similar inject infinite
    subscribe subscription newsletter follow cookie cookies consent gdpr
    banner banners advert adverts advertisement adv ad ads adfox adsense rtb sponsor sponsored promo
    sidebar widget widgets breadcrumb breadcrumbs menu nav navbar navigation footer masthead
    tags tag keywords rubric rubrics author authors byline meta date dateline timestamp
    caption credit credits copyright
    pagination pager paging print toolbar tools modal popup overlay login signup auth
    poll rating ratings counter counters reactions emoji
    sronly
""".split())
_WORD_SPLIT = re.compile(r"[-_\s:.]+|(?<=[a-z])(?=[A-Z])")
# Class names on these say how a word looks (<a class="tag">, <span class="date">), and
# removing them would cut words out of sentences; their furniture is caught by its block.
_INLINE_TAGS = frozenset((
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "img", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
    "body", "html",
))

# The start of a «Читайте также»-style block: phrases that begin one, and
# one-word labels that are the whole block or end in ':' / a count.
_READ_ALSO = re.compile(
    r"^\W*(?:(?:читайте\s+(?:также|тоже|ещ[её]|подробнее)|читать\s+(?:также|далее)|смотрите\s+также"
    r"|см\.\s*также|подробнее\s*(?::|читайте|[-–—]\s*в\s)|ранее\s+по\s+теме|по\s+теме\s*:"
    r"|(?:новости|материалы)\s+по\s+теме|(?:другие|последние)\s+новости|самое\s+(?:читаемое|популярное|интересное)"
    r"|выбор\s+редакции|вам\s+(?:может|будет)\s+интересно|подпи(?:шитесь|сывайтесь|саться)\s+на\s|оставьте\s+комментарий"
    r"|related\s+(?:posts|articles|news)|read\s+(?:also|more)|see\s+also)"
    r"|(?:популярное|рекомендуем|обсуждение|реклама|комментари[ий]|подписаться|поделиться|share|advertisement)"
    r"(?:\W*$|\s*[:(\d]))",
    re.I,
)
# Whole lines that are widget labels, not text (compared in lower case).
_FURNITURE_LINES = frozenset((
    "вконтакте", "вк", "одноклассники", "ок", "telegram", "телеграм", "twitter", "facebook", "whatsapp",
    "viber", "vk", "livejournal", "мой мир", "дзен", "яндекс.дзен", "яндекс дзен", "rss", "печать",
    "версия для печати", "скопировать ссылку", "ссылка скопирована", "поделиться", "поделиться:",
    "подписаться", "реклама", "18+", "16+", "12+", "6+", "0+", "комментарии", "нравится", "далее",
    "назад", "вперед", "вперёд", "наверх", "закрыть", "принять", "понятно", "ок, понятно",
))
_COOKIE_LINE = re.compile(r"(cookie|куки)", re.I)
_COOKIE_CONTEXT = re.compile(r"(использу|соглас|принять|принимаю|политик|персональн|продолжая)", re.I)
_COUNTER_LINE = re.compile(r"^\d[\d\s.,]{0,6}[kк]?$", re.I)  # view/comment counters

_MONTH = (r"(?:январ[яь]|феврал[яь]|марта?|апрел[яь]|ма[яй]|июн[яь]|июл[яь]|августа?|сентябр[яь]|октябр[яь]"
          r"|ноябр[яь]|декабр[яь]|янв|фев|мар|апр|июн|июл|авг|сен|сент|окт|ноя|дек)\.?")
_DATE_LINE = re.compile(  # a dateline on its own: «01.09.2008 12:40», «14 июня 2024, 08:15»
    r"^(?:(?:опубликовано|обновлено|дата публикации|сегодня|вчера)\s*:?\s*)?"
    r"(?=[^\n]{0,48}$)[\d\s.:/,\-–—|]*\d(?:[\d\s.:/,\-–—|]*" + _MONTH + r")?[\d\s.:/,\-–—|]*(?:г\.|года)?[\d\s.:,\-–—|]*$"
)
_CREDIT_LINE = re.compile(r"^(фото|photo|иллюстрация|видео|кадр|скриншот|источник фото)\b[^:©]{0,20}[:©]", re.I)
_SPACES = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")

_MIN_PARAGRAPH = 25      # characters of a text run that counts as prose when scoring
_ROOT_SHARE = 0.4        # an explicit root must hold this share of the best-scored text
_SIBLING_SHARE = 0.25   # a sibling with this share of the best score is article text too
_LINK_DENSITY = 0.6      # lists and divs with more of their text in links are link lists
_LINK_DENSITY_TEXT = 0.9  # paragraphs and lines: only when (nearly) all links, as a sentence
                          # like «Сайт рассказывал, <a>какие парки обработают</a>» is text
_MAX_EXPLICIT = 20       # declared roots compared (nested junk can have thousands)
_MAX_CLIMB = 40          # ancestors looked at per text run (bounds work on deep trees)

# Deeper than this, the page is flattened before parsing (see _flatten).
_MAX_DEPTH = 3000
# A start or end tag; attribute values may hold '<' and '>' when quoted, and
# '<' that starts no tag when not. The alternatives start with different
# characters, so a failed match does not backtrack, and a '<' that starts a
# tag ends the attempt: linear on junk such as «<a <a <a ...».
_TAG = re.compile(r"""<(/?)([A-Za-z][A-Za-z0-9:-]*)(?:[^<>"']|"[^"]*"|'[^']*'|<(?![A-Za-z/!?]))*?(/?)>""")
# More tags than this (a real page has tens of thousands at most): junk or a
# dump; the text is taken without the per-element passes, which cost ~10 µs each.
_MAX_ELEMENTS = 200_000
_NOT_NESTING = frozenset((
    # void elements, and elements the parser closes by itself when the next one starts
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "tbody", "thead", "tfoot",
    "colgroup", "caption", "rb", "rt", "rp", "html", "head", "body", "title", "script", "style",
))

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.I
)
_CHARSET_ALIASES = {"x-mac-cyrillic": "mac-cyrillic", "x-cp1251": "cp1251", "win-1251": "cp1251",
                    "windows-1251": "cp1251", "x-user-defined": "cp1252"}
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]{1,40})""")


# ---------------------------------------------------------------- public API


def parse_html(text: str) -> Article:
    """Turn the text of a saved HTML page into an :class:`Article`.

    Never fails on malformed markup; raises :class:`ArticleError` only when
    the page has no title and no text at all.
    """
    text = _clean_input(text)
    tree = LexborHTMLParser(text)
    meta = PageMeta(tree)
    title = meta.title()
    body = _extract_body(tree, title, huge=text.count("<") > _MAX_ELEMENTS)
    if not title and not body:
        raise ArticleError("no text in HTML page")
    from .sources import credited, dateline, join_authors, split_source
    author = meta.author()
    if not author and (line := dateline(body)) is not None:
        author = join_authors(split_source(line.source)[1])
    return credited(Article(
        title=title,
        body=body,
        date=meta.date(),
        source=meta.source(),
        author=author,
        section=meta.section(),
        url=meta.url(),
        lead=meta.lead(),
        tags=meta.tags(),
        format="html",
    ))


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment: entities decoded, block elements on their own lines.

    For dump records whose text field holds markup (``<p>...</p>`` with
    ``&nbsp;``/``&mdash;``); no boilerplate is removed.
    """
    fragment = _clean_input(fragment)
    if "<" not in fragment and "&" not in fragment:
        return _join_lines(fragment.splitlines())
    fragment, _ = cut_html(fragment)  # the parsing budget (a record's field is 32M characters at most)
    # Parsed as a document, not with is_fragment: the body then holds every
    # top-level node the same way in all selectolax versions.
    tree = LexborHTMLParser(fragment)
    tree.strip_tags(["script", "style", "template", "noscript", "title"])
    body = tree.body
    if body is None:
        return ""
    if fragment.count("<") > _MAX_ELEMENTS:
        return _join_lines(body.text(deep=True, separator="\n").split("\n"))
    return _node_text(body)


def declared_charset(data: bytes) -> str | None:
    """The Python codec named by ``<meta charset>``/``http-equiv`` in the first 4 KB, if any."""
    head = data[:4096]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    if not m:
        return None
    label = m.group(1).decode("ascii").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    # As browsers do (WHATWG Encoding): a page that could declare UTF-16 in
    # ASCII is not UTF-16, and Latin-1/ASCII labels mean windows-1252.
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    if name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return name


# ---------------------------------------------------------------- body


def _clean_input(text: str) -> str:
    # lexbor takes UTF-8; lone surrogates cannot be encoded.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    if _BREAK in text or _LINK in text:  # our markers must come from us only
        text = text.replace(_BREAK, " ").replace(_LINK, " ")
    if text.count("<") > _MAX_DEPTH and _max_depth(text) > _MAX_DEPTH:
        text = _flatten(text)
    return text


def _max_depth(text: str) -> int:
    """Nesting depth of the markup, roughly: elements that close themselves are not counted."""
    depth = deepest = 0
    for m in _TAG.finditer(text):
        name = m.group(2).lower()
        if name in _NOT_NESTING or m.group(3):
            continue
        if m.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def _flatten(text: str) -> str:
    """Markup nested thousands deep: keep the text and line breaks, drop the nesting.

    The tree builder checks the stack of open elements at every block start
    tag, so such a page (a broken template, junk) would take minutes to parse.
    """
    def repl(m: re.Match) -> str:
        name = m.group(2).lower()
        if name in _NOT_NESTING:
            return m.group(0)
        return "<br>" if name in _BLOCK_TAGS_SET else ""
    return _TAG.sub(repl, text)


def _extract_body(tree: LexborHTMLParser, title: str, huge: bool = False) -> str:
    body = tree.body
    if body is None:
        return ""
    tree.strip_tags(_JUNK_TAGS)
    if huge:
        return _join_lines(body.text(deep=True, separator="\n").split("\n"))
    _remove_furniture(body)
    root = _content_root(body)
    _remove_link_lists(root)
    return _node_text(root, title=title, furniture=True)


def _remove_furniture(body: LexborNode) -> None:
    """Drop navigation, widgets and hidden elements, keeping anything that holds the article."""
    marked = list(body.css(_FURNITURE_TAGS))
    marked += body.css(_FURNITURE_ROLES)
    for node in body.css("[class],[id],[style]"):
        if node.tag in _INLINE_TAGS:
            continue
        attrs = node.attributes
        style = attrs.get("style")
        if (style and _HIDDEN_STYLE.search(style)) or _names_furniture(attrs.get("class")) \
                or _names_furniture(attrs.get("id")):
            marked.append(node)
    keep = _holders(body)
    # <body> itself is never furniture (pages hide it until their scripts run).
    _decompose_outermost([n for n in marked if n.mem_id not in keep and n.tag not in ("body", "html")])


@lru_cache(maxsize=4096)  # pages repeat their class names hundreds of times
def _names_furniture(value: str | None) -> bool:
    if not value:
        return False
    for word in _WORD_SPLIT.split(value):
        if word and word.lower().rstrip("0123456789") in _FURNITURE_WORDS:
            return True
    return False


def _holders(body: LexborNode) -> set[int]:
    """The article's own elements and everything around them: never removed as furniture."""
    holders: set[int] = set()
    node: LexborNode | None
    for node in body.css('[itemprop="articleBody"],[itemprop="articlebody"],article,main,[role="main"]'):
        # Up to the first ancestor already known: linear in the tree, however nested.
        while node is not None and node.mem_id not in holders:
            holders.add(node.mem_id)
            node = node.parent
    return holders


def _decompose_outermost(nodes: list[LexborNode]) -> None:
    """Remove nodes, skipping those inside another removed node: their handles die with it."""
    ids = {n.mem_id for n in nodes}
    # Unmarked elements already known to be outside / inside a marked one, so
    # that nested furniture costs one climb, not one per level.
    outside: set[int] = set()
    inside: set[int] = set()
    outermost: dict[int, LexborNode] = {}
    # Decide everything first: a handle inside a removed subtree must not be touched.
    for node in nodes:
        if node.mem_id in outermost:
            continue
        path: list[int] = []
        parent = node.parent
        while parent is not None:
            pid = parent.mem_id
            if pid in ids or pid in inside:
                inside.update(path)
                break
            if pid in outside:
                parent = None
                break
            path.append(pid)
            parent = parent.parent
        if parent is None:
            outside.update(path)
            outermost[node.mem_id] = node
    for node in outermost.values():
        node.decompose()


def _content_root(body: LexborNode) -> LexborNode:
    """The element that holds the article text."""
    best, best_score = _best_scored(body)
    # Declared roots win unless they are a teaser beside the real text.
    explicit = body.css('[itemprop="articleBody"],[itemprop="articlebody"]') or body.css("article")
    if explicit:
        node = max(explicit[:_MAX_EXPLICIT], key=_prose_length)
        if best is None or _prose_length(node) >= _ROOT_SHARE * best_score:
            return node
    return best if best is not None else body


def _best_scored(body: LexborNode) -> tuple[LexborNode | None, float]:
    """Readability-style scoring: paragraph text outside links, credited to its container."""
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    for text_node in body.traverse(include_text=True, skip_empty=True):
        if not text_node.is_text_node:
            continue
        length = len(text_node.text_content.strip()) if text_node.text_content else 0
        if length < _MIN_PARAGRAPH:
            continue
        node, depth, in_link = text_node.parent, 0, False
        while node is not None and depth < _MAX_CLIMB and node.tag not in _BLOCK_TAGS_SET:
            if node.tag == "a":
                in_link = True
            node, depth = node.parent, depth + 1
        if node is None or in_link:
            continue
        # Text in a paragraph-like block counts for the block's container;
        # text written straight into a div (with <br>s) for the div itself.
        if node.tag in _PARAGRAPH_TAGS:
            node = node.parent
            if node is None:
                continue
        for share in (1.0, 0.5):
            scores[node.mem_id] = scores.get(node.mem_id, 0.0) + length * share
            nodes[node.mem_id] = node
            node = node.parent
            if node is None:
                break
    if not scores:
        return None, 0.0
    best_id = max(scores, key=scores.__getitem__)
    best, best_score = nodes[best_id], scores[best_id]
    # Text split over sibling blocks (lead, body, a second body part): take their parent.
    parent = best.parent
    if parent is not None and parent.tag not in ("body", "html"):
        sibling = parent.child
        while sibling is not None:
            if sibling.mem_id != best_id and scores.get(sibling.mem_id, 0.0) >= _SIBLING_SHARE * best_score:
                return parent, best_score
            sibling = sibling.next
    return best, best_score


_BLOCK_TAGS_SET = frozenset(_BLOCK_TAGS) | {"td", "th", "body", "html"}
_PARAGRAPH_TAGS = frozenset(("p", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "dd", "dt"))


def _prose_length(node: LexborNode) -> int:
    links = sum(len(a.text(deep=True, strip=True)) for a in node.css("a"))
    return max(0, len(node.text(deep=True, strip=True)) - links)


def _remove_link_lists(root: LexborNode) -> None:
    """Drop link lists and «Читайте также» blocks inside the content root."""
    # One pass over the text runs, crediting each to its block ancestors (up to
    # _MAX_CLIMB levels): linear, where asking every block for its text is
    # quadratic on nested markup. Blocks farther from any text are wrappers.
    stats: dict[int, list] = {}  # mem_id -> [node, text length, link text length]
    root_id = root.mem_id
    for text_node in root.traverse(include_text=True, skip_empty=True):
        if not text_node.is_text_node:
            continue
        length = len((text_node.text_content or "").strip())
        if not length:
            continue
        node, depth, in_link = text_node.parent, 0, False
        while node is not None and depth < _MAX_CLIMB:
            tag = node.tag
            if tag == "a":
                in_link = True
            elif tag in _LIST_TAGS:
                entry = stats.get(node.mem_id)
                if entry is None:
                    entry = stats[node.mem_id] = [node, 0, 0]
                entry[1] += length
                if in_link:
                    entry[2] += length
            if node.mem_id == root_id:
                break
            node, depth = node.parent, depth + 1
    marked: list[LexborNode] = []
    for node, length, link_len in stats.values():
        if node.mem_id == root_id:
            continue  # the root is the article: its handle must stay alive
        limit = _LINK_DENSITY_TEXT if node.tag in ("p", "blockquote") else _LINK_DENSITY
        if link_len > limit * length:
            marked.append(node)
        elif (length < 300 or link_len > 0.3 * length) and _READ_ALSO.match(
            node.text(deep=True, separator=" ", strip=True)[:80]
        ):
            marked.append(node)
            if node.tag in ("h2", "h3", "h4", "h5", "h6"):
                nxt = node.next
                while nxt is not None and nxt.is_text_node:
                    nxt = nxt.next
                if nxt is not None and nxt.tag in ("ul", "ol", "div", "p"):
                    marked.append(nxt)
    _decompose_outermost(marked)


_LIST_TAGS = frozenset(("ul", "ol", "dl", "p", "div", "section", "table", "h2", "h3", "h4", "h5", "h6", "blockquote"))


def _node_text(root: LexborNode, title: str = "", furniture: bool = False) -> str:
    """Text of ``root`` with block elements on their own lines."""
    for node in root.css(_BLOCK_SELECTOR):
        node.insert_before(_BREAK)
        node.insert_after(_BREAK)
    for node in root.css(_CELL_SELECTOR):
        node.insert_after(" ")
    for node in root.css("br"):
        node.insert_after(_BREAK)
    if furniture:
        for node in root.css("a"):
            node.insert_before(_LINK)
            node.insert_after(_LINK)
    return _join_lines(root.text(deep=True).split(_BREAK), title=title, furniture=furniture)


def _join_lines(lines: list[str], title: str = "", furniture: bool = False) -> str:
    """Normalise whitespace per line and drop empty lines (and, for pages, widget labels)."""
    out: list[str] = []
    title_key = _SPACES.sub(" ", title).strip().lower()
    for line in lines:
        if furniture and _LINK in line:
            parts = line.split(_LINK)
            linked = sum(len(p.strip()) for p in parts[1::2])
            if linked > _LINK_DENSITY_TEXT * sum(len(p.strip()) for p in parts):
                continue  # «« Все новости | Версия для печати», a row of tag links ...
            line = "".join(parts)
        line = _SPACES.sub(" ", _INVISIBLE.sub("", line)).strip()
        if not line:
            continue
        if furniture:
            key = line.lower()
            if not out and key == title_key:
                continue  # the headline repeated at the top of the body
            if key in _FURNITURE_LINES or _COUNTER_LINE.match(line) or _DATE_LINE.match(key) or (
                len(line) < 120 and _CREDIT_LINE.match(line)
            ):
                continue
            if len(line) < 400 and _COOKIE_LINE.search(line) and _COOKIE_CONTEXT.search(line):
                continue
        if out and out[-1] == line:
            continue
        out.append(line)
    return "\n".join(out)
