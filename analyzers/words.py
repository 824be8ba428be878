"""What a word is: one pattern for the index's tokenizer, snippets and character n-grams.

A word is a run of letters and digits of any script plus the Arabic combining marks
(which Python's \\w does not cover) and the invisible joiners (zero-width space, non-joiner
and joiner, soft hyphen, word joiner), so مَدْرَسَة stays one token, with or without a ZWNJ inside. Everything
else splits: spaces, Latin punctuation, ، ؛ ؟ « » and the underscore.

>>> WORD.findall("وَبِالْمَدْرَسَةِ، «أثريا-الرقة» SY24_x")
['وَبِالْمَدْرَسَةِ', 'أثريا', 'الرقة', 'SY24', 'x']
"""

import re

ARABIC_MARKS = "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
INVISIBLE_JOINERS = "\u200b-\u200d\u00ad\u2060\ufeff"
WORD_PATTERN = rf"(?:[^\W_]|[{ARABIC_MARKS}{INVISIBLE_JOINERS}])+"
WORD = re.compile(WORD_PATTERN)
