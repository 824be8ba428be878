// bench/query.py's Lucene column: index a corpus with ArabicAnalyzer, then time each query in this one JVM:
// parse (classic MultiFieldQueryParser over title and text), BM25 top 10 with an exact count, the top 10's
// stored id and title, and UnifiedHighlighter snippets of their text.
//
//   java LuceneLatency DOCS INDEX_DIR
//
// DOCS: one document a line, id \t title \t text, with \ tab newline return written as \\ \t \n \r.
// Then reads queries in the classic syntax from stdin, one a line, and answers each on stdout as soon as
// it has run: wall ns \t this thread's CPU ns \t total hits. bench/query.py sends each query in turn
// between its own engines' runs of it, so that all three share the machine's moments of load.
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.document.*;
import org.apache.lucene.index.*;
import org.apache.lucene.queryparser.classic.MultiFieldQueryParser;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.*;
import org.apache.lucene.search.uhighlight.LengthGoalBreakIterator;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.apache.lucene.store.FSDirectory;
import java.io.*;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.text.BreakIterator;
import java.util.*;

public class LuceneLatency {
  static final String[] FIELDS = {"title", "text"};
  static final int LIMIT = 10;
  // As search/snippets.py: at most 3 snippets of about 160 characters, from anywhere in the text.
  static final int SNIPPETS = 3;
  static final int SNIPPET_CHARS = 160;
  static final Set<String> SHOWN = Set.of("id", "title");

  public static void main(String[] args) throws Exception {
    Analyzer analyzer = new ArabicAnalyzer();
    Path index = Paths.get(args[1]);
    build(analyzer, Paths.get(args[0]), index);
    try (DirectoryReader reader = DirectoryReader.open(FSDirectory.open(index));
         BufferedReader queries = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      IndexSearcher searcher = new IndexSearcher(reader);  // BM25 by default
      ReportingHighlighter highlighter = new ReportingHighlighter(searcher, analyzer);
      highlighter.setMaxLength(Integer.MAX_VALUE - 1);  // the whole text, as ours; the default stops at 10,000 chars
      highlighter.setBreakIterator(() -> LengthGoalBreakIterator.createClosestToLength(
          BreakIterator.getSentenceInstance(Locale.ROOT), SNIPPET_CHARS));
      MultiFieldQueryParser every = new MultiFieldQueryParser(FIELDS, analyzer);
      every.setDefaultOperator(QueryParser.Operator.AND);
      MultiFieldQueryParser any = new MultiFieldQueryParser(FIELDS, analyzer);
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
      String text;
      while ((text = queries.readLine()) != null) {
        long started = System.nanoTime(), startedCpu = threads.getCurrentThreadCpuTime();
        long total = run(searcher, highlighter, every, any, text);
        long cpu = threads.getCurrentThreadCpuTime() - startedCpu, wall = System.nanoTime() - started;
        out.println(wall + "\t" + cpu + "\t" + total);
      }
      System.err.printf("lucene: %,d documents; text highlighted from offsets source %s%n",
          reader.numDocs(), highlighter.source);
    }
  }

  // Every word required; when no document has them all, any word, as bench/query.py's IndexSearcher.search.
  static long run(IndexSearcher searcher, UnifiedHighlighter highlighter, QueryParser every, QueryParser any,
                  String text) throws Exception {
    Query query = every.parse(text);
    TopDocs top = counted(searcher, query);
    if (top.totalHits.value == 0) {
      Query widened = any.parse(text);
      if (!widened.equals(query)) {
        query = widened;
        top = counted(searcher, query);
      }
    }
    for (ScoreDoc hit : top.scoreDocs) {
      searcher.doc(hit.doc, SHOWN);
    }
    highlighter.highlight("text", query, top, SNIPPETS);
    return top.totalHits.value;
  }

  // The top hits and how many documents match in all, as ours counts them (Lucene's default stops at 1,000).
  static TopDocs counted(IndexSearcher searcher, Query query) throws IOException {
    TopScoreDocCollector collector = TopScoreDocCollector.create(LIMIT, Integer.MAX_VALUE);
    searcher.search(query, collector);
    return collector.topDocs();
  }

  static void build(Analyzer analyzer, Path docs, Path index) throws IOException {
    long started = System.nanoTime();
    // Offsets in the postings: the UnifiedHighlighter reads them there instead of analyzing the text again.
    FieldType text = new FieldType(TextField.TYPE_STORED);
    text.setIndexOptions(IndexOptions.DOCS_AND_FREQS_AND_POSITIONS_AND_OFFSETS);
    text.freeze();
    IndexWriterConfig config = new IndexWriterConfig(analyzer).setOpenMode(IndexWriterConfig.OpenMode.CREATE);
    config.setRAMBufferSizeMB(256);
    int count = 0;
    try (IndexWriter writer = new IndexWriter(FSDirectory.open(index), config);
         BufferedReader lines = Files.newBufferedReader(docs, StandardCharsets.UTF_8)) {
      String line;
      while ((line = lines.readLine()) != null) {
        String[] fields = line.split("\t", 3);
        Document doc = new Document();
        doc.add(new StringField("id", unescape(fields[0]), Field.Store.YES));
        doc.add(new TextField("title", unescape(fields[1]), Field.Store.YES));
        doc.add(new Field("text", unescape(fields[2]), text));
        writer.addDocument(doc);
        count++;
      }
      writer.forceMerge(1);  // one segment, as a finished Whoosh index is read
    }
    System.err.printf("lucene: indexed %,d documents in %.1f s%n", count, (System.nanoTime() - started) / 1e9);
  }

  static String unescape(String field) {
    StringBuilder plain = new StringBuilder(field.length());
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 1 < field.length()) {
        char next = field.charAt(++i);
        plain.append(next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next);
      } else {
        plain.append(c);
      }
    }
    return plain.toString();
  }

  // Says where the offsets it highlights with come from (POSTINGS when the field has them).
  static class ReportingHighlighter extends UnifiedHighlighter {
    OffsetSource source;

    ReportingHighlighter(IndexSearcher searcher, Analyzer analyzer) {
      super(searcher, analyzer);
    }

    @Override
    protected OffsetSource getOffsetSource(String field) {
      source = super.getOffsetSource(field);
      return source;
    }
  }
}
