"""Run an exported analysis (``search.export``) in Lucene itself, to check it against ours.

No OpenSearch node runs here, but its analysis chain is Lucene's: the ``analysis``
section of ``index.json`` becomes a Lucene ``CustomAnalyzer`` built from the same
factories OpenSearch uses (mapping, pattern, pattern_replace, lowercase, stop,
stemmer_override, arabic_stem), by a small Java helper compiled against Debian's
``liblucene8-java`` jars into a scratch folder. Tests (``tests/test_export.py``) and
``bench/export_parity.py`` use it; both say why they skip when Java or the jars are absent.
"""

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

from search.errors import SearchError

JARS = ("lucene-core-8", "lucene-analyzers-common-8", "lucene-queryparser-8")
JAR_FOLDER = Path(os.environ.get("LUCENE_JARS", "/usr/share/java"))
CLASS_NAME = "ExportAnalysis"
# OpenSearch type -> Lucene factory name (the SPI name CustomAnalyzer looks up).
FACTORIES = {
    "mapping": "mapping",
    "pattern": "pattern",
    "pattern_replace": "patternReplace",
    "lowercase": "lowercase",
    "stop": "stop",
    "stemmer_override": "stemmerOverride",
    "arabic_stem": "arabicStem",
    "length": "length",
}
BUILT_IN_FILTERS = {"lowercase": {"type": "lowercase"}, "arabic_stem": {"type": "arabic_stem"}}
# Between texts sent to the helper, and between tokens and their parts in its answer:
# control characters, which no token holds (analyzers.words).
TEXT_END, TOKEN_END, PART_END = "\x00", "\x02", "\x01"


# Read as syntax by Lucene's classic query parser outside quotes (QueryParserBase.escape).
CLASSIC_SYNTAX = re.compile(r'[\\+\-!():^\[\]"{}~*?|&/]')
# Its operator words, alone between spaces; a backslash makes them words again.
CLASSIC_OPERATORS = re.compile(r"(?<!\S)(AND|OR|NOT)(?!\S)")
QUOTED = re.compile(r'"([^"]*)"')


def classic_query(text: str) -> str:
    r"""Words and quoted phrases in Lucene's classic query syntax, nothing else read as syntax.

    Outside pairs of quotes, each character the parser reads as syntax gets a backslash,
    and so do the words AND, OR and NOT (the parser's operators); inside, a phrase keeps
    its characters but for the backslash, doubled. A quote left without its pair is a
    character like the others.

    >>> print(classic_query('كتاب "في البيت" C++ AND "x'))
    كتاب "في البيت" C\+\+ \AND \"x
    """
    pieces, position = [], 0
    for quoted in QUOTED.finditer(text):
        pieces += [_classic_words(text[position : quoted.start()]), '"' + quoted[1].replace("\\", "\\\\") + '"']
        position = quoted.end()
    pieces.append(_classic_words(text[position:]))
    return "".join(pieces)


def _classic_words(text: str) -> str:
    return CLASSIC_OPERATORS.sub(r"\\\1", CLASSIC_SYNTAX.sub(lambda match: "\\" + match[0], text))


def lucene_jars(prefixes: tuple[str, ...] = JARS) -> list[Path] | None:
    """The jars the helper needs (or those named by ``prefixes``), or None when one is missing."""
    found = []
    for prefix in prefixes:
        matches = sorted(glob.glob(str(JAR_FOLDER / f"{prefix}.*.jar")))
        if not matches:
            return None
        found.append(Path(matches[-1]))
    return found


def missing(prefixes: tuple[str, ...] = JARS) -> str | None:
    """Why the check (or a program needing the jars ``prefixes``) cannot run here, or None when it can."""
    if not shutil.which("javac") or not shutil.which("java"):
        return "Java is not installed (apt-get install default-jdk-headless)"
    if lucene_jars(prefixes) is None:
        return f"the Lucene 8 jars are not in {JAR_FOLDER} (apt-get install liblucene8-java)"
    return None


def compile_helper(scratch: Path) -> str:
    """Compile the helper into ``scratch``; return the class path to run it with."""
    return compile_java(scratch, CLASS_NAME, JAVA_SOURCE)


def compile_java(scratch: Path, class_name: str, source: str, prefixes: tuple[str, ...] = JARS) -> str:
    """Compile the Java class ``class_name`` against the Lucene jars ``prefixes`` into
    ``scratch``; return the class path to run it with."""
    reason = missing(prefixes)
    if reason:
        raise SearchError(f"cannot run Lucene: {reason}")
    classpath = ":".join(str(jar) for jar in lucene_jars(prefixes))
    path = scratch / f"{class_name}.java"
    path.write_text(source, encoding="utf-8")
    subprocess.run(["javac", "-nowarn", "-cp", classpath, "-d", str(scratch), str(path)],
                   check=True, capture_output=True)
    return f"{scratch}:{classpath}"


def _rule_text(escaped: str) -> str:
    units = re.sub(r"\\u([0-9A-Fa-f]{4})", lambda match: chr(int(match.group(1), 16)), escaped.strip())
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le")  # pairs joined


def write_spec(analysis: dict, folder: Path) -> Path:
    """Translate an ``analysis`` section into a spec the helper reads: one file per
    analyzer (a line per component: kind, factory, then name=value pairs, tab-separated)
    and the word lists and rules as Lucene's factories read them."""
    folder.mkdir(parents=True, exist_ok=True)
    resources: dict[str, str] = {}

    def resource(name: str, lines: list[str]) -> str:
        if name not in resources:
            (folder / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            resources[name] = name
        return name

    def component(kind: str, name: str, settings: dict) -> list[str]:
        kind_type = settings["type"]
        params = []
        if kind_type == "mapping":
            lines = []
            for rule in settings["mappings"]:
                key, value = rule.split("=>")
                lines.append(f'"{_java_quote(_rule_text(key))}" => "{_java_quote(_rule_text(value))}"')
            params = [f"mapping={resource(name + '.txt', lines)}"]
        elif kind_type == "pattern":
            params = [f"pattern={settings['pattern']}", f"group={settings.get('group', -1)}"]
        elif kind_type == "pattern_replace":
            params = [f"pattern={settings['pattern']}", f"replacement={settings['replacement']}",
                      f"replace={'all' if settings.get('all', True) else 'first'}"]
        elif kind_type == "length":
            params = [f"min={settings.get('min', 0)}", f"max={settings.get('max', 2**31 - 1)}"]
        elif kind_type == "stop":
            params = [f"words={resource(name + '.txt', settings['stopwords'])}",
                      f"ignoreCase={str(settings.get('ignore_case', False)).lower()}"]
        elif kind_type == "stemmer_override":
            lines = []
            for rule in settings["rules"]:
                forms, key = rule.split("=>")
                lines += [f"{form.strip()}\t{key.strip()}" for form in forms.split(",")]
            params = [f"dictionary={resource(name + '.txt', lines)}"]
        elif kind_type not in FACTORIES:
            raise SearchError(f"no Lucene factory for {kind_type}")
        return ["\t".join([kind, FACTORIES[kind_type], *params])]

    for name, analyzer in analysis["analyzer"].items():
        lines = []
        for char_filter in analyzer.get("char_filter", []):
            lines += component("charfilter", char_filter, analysis["char_filter"][char_filter])
        tokenizer = analyzer["tokenizer"]
        lines += component("tokenizer", tokenizer, analysis["tokenizer"][tokenizer])
        for token_filter in analyzer.get("filter", []):
            settings = analysis["filter"].get(token_filter) or BUILT_IN_FILTERS[token_filter]
            lines += component("filter", token_filter, settings)
        (folder / f"{name}.analyzer").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return folder


def _java_quote(text: str) -> str:
    """A string as Lucene's mapping file reads it between quotes (UTF-16 escapes)."""
    units = text.encode("utf-16-be")
    return "".join(f"\\u{units[i]:02X}{units[i + 1]:02X}" for i in range(0, len(units), 2))


def analyze(classpath: str, spec: Path, analyzer: str, texts: list[str]) -> list[list[tuple[str, int, int]]]:
    """Lucene's tokens (term, start, end) of each text; offsets in code points, as ours."""
    payload = TEXT_END.join(text.replace(TEXT_END, " ") for text in texts) + TEXT_END
    output = subprocess.run(
        ["java", "-cp", classpath, CLASS_NAME, "analyze", str(spec), analyzer],
        input=payload.encode("utf-8"), check=True, capture_output=True,
    ).stdout.decode("utf-8")
    answers = output.split("\n")[: len(texts)]
    found = []
    for text, line in zip(texts, answers):
        units = _utf16_to_code_points(text)
        tokens = []
        for token in filter(None, line.split(TOKEN_END)):
            term, start, end = token.split(PART_END)
            tokens.append((term, units(int(start)), units(int(end))))
        found.append(tokens)
    return found


def _utf16_to_code_points(text: str):
    """A function from a UTF-16 offset into ``text`` (Java's) to a code point offset."""
    if all(ord(char) < 0x10000 for char in text):
        return lambda offset: offset
    positions, unit = {}, 0
    for index, char in enumerate(text):
        positions[unit] = index
        unit += 2 if ord(char) >= 0x10000 else 1
    positions[unit] = len(text)
    return lambda offset: positions.get(offset, offset)


JAVA_SOURCE = r"""
// Generated by search.lucene_check: an exported analysis as a Lucene CustomAnalyzer.
//   analyze SPEC ANALYZER           stdin: texts ended by NUL; stdout: a line of tokens per text
//   index SPEC DOCS.tsv DIR         DOCS.tsv: id \t title \t text; SPEC "arabic": ArabicAnalyzer
//   search SPEC DIR QUERIES.tsv K   TREC run lines on stdout
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.custom.CustomAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.util.FilesystemResourceLoader;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.*;
import org.apache.lucene.store.FSDirectory;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class ExportAnalysis {
  static Analyzer load(Path spec, String name) throws Exception {
    CustomAnalyzer.Builder b = CustomAnalyzer.builder(new FilesystemResourceLoader(spec, ExportAnalysis.class.getClassLoader()));
    for (String line : Files.readAllLines(spec.resolve(name + ".analyzer"), StandardCharsets.UTF_8)) {
      if (line.isEmpty()) continue;
      String[] p = line.split("\t");
      Map<String, String> args = new HashMap<>();
      for (int i = 2; i < p.length; i++) { int eq = p[i].indexOf('='); args.put(p[i].substring(0, eq), p[i].substring(eq + 1)); }
      if (p[0].equals("charfilter")) b.addCharFilter(p[1], args);
      else if (p[0].equals("tokenizer")) b.withTokenizer(p[1], args);
      else b.addTokenFilter(p[1], args);
    }
    return b.build();
  }

  static Analyzer fields(String spec, boolean query) throws Exception {
    if (spec.equals("arabic")) return new ArabicAnalyzer();
    Path s = Paths.get(spec);
    Map<String, Analyzer> per = new HashMap<>();
    Analyzer exact = load(s, "arabic_exact");
    per.put("title_exact", exact); per.put("text_exact", exact);
    return new PerFieldAnalyzerWrapper(load(s, "arabic"), per);
  }

  public static void main(String[] a) throws Exception {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
    switch (a[0]) {
      case "analyze": {
        Analyzer an = load(Paths.get(a[1]), a[2]);
        String all = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        int from = 0;
        while (from < all.length()) {
          int end = all.indexOf('\u0000', from);
          if (end < 0) end = all.length();
          StringBuilder sb = new StringBuilder();
          try (TokenStream ts = an.tokenStream("body", all.substring(from, end))) {
            CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
            OffsetAttribute o = ts.addAttribute(OffsetAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
              sb.append(t.toString()).append('\u0001').append(o.startOffset()).append('\u0001').append(o.endOffset()).append('\u0002');
            }
            ts.end();
          }
          out.println(sb);
          from = end + 1;
        }
        break;
      }
      case "index": {
        boolean exported = !a[1].equals("arabic");
        IndexWriterConfig cfg = new IndexWriterConfig(fields(a[1], false));
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        try (IndexWriter w = new IndexWriter(FSDirectory.open(Paths.get(a[3])), cfg);
             BufferedReader r = Files.newBufferedReader(Paths.get(a[2]), StandardCharsets.UTF_8)) {
          String line;
          while ((line = r.readLine()) != null) {
            String[] p = line.split("\t", 3);
            Document d = new Document();
            d.add(new StringField("id", p[0], Field.Store.YES));
            String title = p.length > 1 ? p[1] : "", text = p.length > 2 ? p[2] : "";
            d.add(new TextField("title", title, Field.Store.NO));
            d.add(new TextField("text", text, Field.Store.NO));
            if (exported) {
              d.add(new TextField("title_exact", title, Field.Store.NO));
              d.add(new TextField("text_exact", text, Field.Store.NO));
            }
            w.addDocument(d);
          }
          w.forceMerge(1);
        }
        break;
      }
      case "search": {
        boolean exported = !a[1].equals("arabic");
        int k = Integer.parseInt(a[4]);
        IndexSearcher s = new IndexSearcher(DirectoryReader.open(FSDirectory.open(Paths.get(a[2]))));
        String[] names = exported ? new String[]{"title", "text", "title_exact", "text_exact"} : new String[]{"title", "text"};
        Map<String, Float> boosts = new HashMap<>();
        boosts.put("title", 1f); boosts.put("text", 1f); boosts.put("title_exact", 0.5f); boosts.put("text_exact", 0.5f);
        MultiFieldQueryParser qp = new MultiFieldQueryParser(names, fields(a[1], true), boosts);
        try (BufferedReader r = Files.newBufferedReader(Paths.get(a[3]), StandardCharsets.UTF_8)) {
          String line;
          while ((line = r.readLine()) != null) {
            String[] p = line.split("\t", 2);
            Query q;
            try { q = qp.parse(QueryParser.escape(p[1])); } catch (Exception e) { continue; }
            TopDocs td = s.search(q, k);
            int rank = 1;
            for (ScoreDoc sd : td.scoreDocs)
              out.printf("%s Q0 %s %d %.4f lucene%n", p[0], s.doc(sd.doc).get("id"), rank++, sd.score);
          }
        }
        break;
      }
    }
    out.flush();
  }
}
"""
