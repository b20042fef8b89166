package dev.coldbrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's documents hold together. Every relative link in a Markdown file ({@code
 * [text](path)}, {@code ![alt](path)}, {@code [ref]: path}) names a file or directory inside the
 * repository, and a {@code #fragment} names a heading of the Markdown file it points at. No file
 * cites design notes kept outside the repository: no section-sign reference (except to an RFC, e.g.
 * "RFC 9112" followed by a section), no mention of the outside notes' file names, no path into the
 * directory beside the checkout that holds them. Every problem is printed as {@code file:line:
 * problem}. The repository root is the nearest directory upwards holding the parent {@code pom.xml}
 * (the one listing {@code <modules>}) and {@code README.md}. Reads files only; single-threaded.
 */
class DocsLinksTest {
  /** Directories that hold build output, local state or VCS data, not sources. */
  private static final Set<String> SKIPPED_DIRS =
      Set.of(".git", "target", ".coldbrew", "node_modules", ".idea");

  /** Larger files are data, not documents or sources. */
  private static final long MAX_SCANNED_BYTES = 4L * 1024 * 1024;

  private static final Pattern INLINE_LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)]*)\\)");
  private static final Pattern REFERENCE_DEFINITION =
      Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*(\\S+)");
  private static final Pattern HEADING = Pattern.compile("^\\s{0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern HTML_ANCHOR =
      Pattern.compile("<a\\s[^>]*(?:name|id)=\"([^\"]+)\"", Pattern.CASE_INSENSITIVE);
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");
  private static final Pattern MARKDOWN_LINK_TEXT = Pattern.compile("!?\\[([^\\]]*)\\]\\([^)]*\\)");

  /** Written with escapes and split so that this file does not match itself. */
  private static final char SECTION_SIGN = '\u00a7';

  private static final Pattern RFC_BEFORE_SECTION = Pattern.compile("RFC \\d+ $");
  private static final List<String> OUTSIDE_NOTES =
      List.of("KPA" + ".md", "ARCHITECTURE" + ".md", "CONVENTIONS" + ".md", ".." + "/shared");

  @Test
  void relativeLinksInMarkdownResolveInsideTheRepository() {
    Path root = repositoryRoot();
    List<String> problems = brokenLinks(root);
    problems.forEach(System.out::println);
    assertThat(problems).as("broken links (file:line: problem)").isEmpty();
  }

  @Test
  void noFileCitesDocumentsOutsideTheRepository() {
    Path root = repositoryRoot();
    List<String> problems = outsideReferences(root);
    problems.forEach(System.out::println);
    assertThat(problems).as("references to documents outside the repository").isEmpty();
  }

  /** The check itself must be able to fail: a small tree with every kind of problem. */
  @Test
  void reportsEveryKindOfProblemWithFileAndLine(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("pom.xml"), "<project><modules></modules></project>");
    Files.createDirectories(dir.resolve("docs"));
    Files.writeString(
        dir.resolve("docs/a.md"), "# Title\n\n## Panic mode\n\n### The `autoscaler:` section\n");
    Files.writeString(
        dir.resolve("README.md"),
        String.join(
            "\n",
            "# Readme",
            "[ok](docs/a.md) [ok too](docs/a.md#panic-mode) [here](#readme) [web](https://x.y/z)"
                + " [code in a heading](docs/a.md#the-autoscaler-section) and docs/architecture.md",
            "[missing](docs/nope.md)",
            "[bad anchor](docs/a.md#no-such-heading)",
            "[outside](../elsewhere/x.md)",
            "```",
            "[in code](docs/nope.md) is not a link",
            "```",
            "see RFC 9112 " + SECTION_SIGN + "3.2, which is fine",
            "see notes " + SECTION_SIGN + "1.10",
            "[self](#not-here)",
            ""));
    Files.writeString(dir.resolve("Code.java"), "// as in " + OUTSIDE_NOTES.get(0) + "\n");

    assertThat(brokenLinks(dir))
        .containsExactly(
            "README.md:3: docs/nope.md does not exist",
            "README.md:4: docs/a.md has no heading for #no-such-heading",
            "README.md:5: ../elsewhere/x.md points outside the repository",
            "README.md:11: README.md has no heading for #not-here");
    assertThat(outsideReferences(dir))
        .containsExactly(
            "Code.java:1: cites " + OUTSIDE_NOTES.get(0) + ", which is not in the repository",
            "README.md:10: a "
                + SECTION_SIGN
                + "-style reference to a document that is not in the repository");
  }

  // ---------------------------------------------------------------- the checks

  static List<String> brokenLinks(Path root) {
    List<String> problems = new ArrayList<>();
    Map<Path, Set<String>> anchors = new HashMap<>();
    for (Path md : files(root)) {
      if (!md.getFileName().toString().endsWith(".md")) {
        continue;
      }
      List<String> lines = prose(read(md), false);
      for (int i = 0; i < lines.size(); i++) {
        for (String target : linkTargets(lines.get(i))) {
          String problem = checkLink(root, md, target, anchors);
          if (problem != null) {
            problems.add(relative(root, md) + ":" + (i + 1) + ": " + problem);
          }
        }
      }
    }
    return problems;
  }

  static List<String> outsideReferences(Path root) {
    List<String> problems = new ArrayList<>();
    for (Path f : files(root)) {
      String text = read(f);
      if (text == null) {
        continue;
      }
      String[] lines = text.split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i];
        for (String name : OUTSIDE_NOTES) {
          if (line.contains(name)) { // case-sensitive: docs/architecture.md is ours
            problems.add(
                relative(root, f)
                    + ":"
                    + (i + 1)
                    + ": cites "
                    + name
                    + ", which is not in the repository");
          }
        }
        for (int at = line.indexOf(SECTION_SIGN);
            at >= 0;
            at = line.indexOf(SECTION_SIGN, at + 1)) {
          if (!RFC_BEFORE_SECTION.matcher(line.substring(0, at)).find()) {
            problems.add(
                relative(root, f)
                    + ":"
                    + (i + 1)
                    + ": a "
                    + SECTION_SIGN
                    + "-style reference to a document that is not in the repository");
            break;
          }
        }
      }
    }
    return problems;
  }

  /** Null when the link is fine, else what is wrong with it. */
  private static String checkLink(
      Path root, Path from, String target, Map<Path, Set<String>> anchors) {
    if (target.isEmpty() || SCHEME.matcher(target).find()) {
      return null; // a web address, mailto:, ...
    }
    int hash = target.indexOf('#');
    String pathPart = hash < 0 ? target : target.substring(0, hash);
    String fragment = hash < 0 ? null : target.substring(hash + 1);
    Path file;
    if (pathPart.isEmpty()) {
      file = from;
    } else {
      String decoded = URLDecoder.decode(pathPart.replace("+", "%2B"), StandardCharsets.UTF_8);
      file =
          (decoded.startsWith("/")
                  ? root.resolve(decoded.substring(1))
                  : from.resolveSibling(decoded))
              .normalize();
      if (!file.startsWith(root)) {
        return pathPart + " points outside the repository";
      }
      if (!Files.exists(file)) {
        return pathPart + " does not exist";
      }
    }
    if (fragment != null && !fragment.isEmpty() && file.toString().endsWith(".md")) {
      Set<String> known = anchors.computeIfAbsent(file, DocsLinksTest::anchorsOf);
      if (!known.contains(fragment.toLowerCase(Locale.ROOT))) {
        return relative(root, file) + " has no heading for #" + fragment;
      }
    }
    return null;
  }

  /** Link targets on one line of prose (code spans already removed). */
  private static List<String> linkTargets(String line) {
    List<String> out = new ArrayList<>();
    Matcher m = INLINE_LINK.matcher(line);
    while (m.find()) {
      String t = m.group(1).trim();
      int space = t.indexOf(' ');
      if (space > 0) {
        t = t.substring(0, space); // [text](path "title")
      }
      if (t.startsWith("<") && t.endsWith(">")) {
        t = t.substring(1, t.length() - 1);
      }
      out.add(t);
    }
    Matcher def = REFERENCE_DEFINITION.matcher(line);
    if (def.find()) {
      out.add(def.group(1));
    }
    return out;
  }

  /** GitHub's heading anchors of a Markdown file, plus explicit HTML anchors. */
  private static Set<String> anchorsOf(Path md) {
    Set<String> anchors = new HashSet<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : prose(read(md), true)) {
      Matcher h = HEADING.matcher(line);
      if (h.matches()) {
        String slug = slug(h.group(2));
        int n = seen.merge(slug, 1, Integer::sum);
        anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
      }
      Matcher a = HTML_ANCHOR.matcher(line);
      while (a.find()) {
        anchors.add(a.group(1).toLowerCase(Locale.ROOT));
      }
    }
    return anchors;
  }

  /** GitHub's slug: link text only, lower case, punctuation dropped, spaces become hyphens. */
  static String slug(String heading) {
    String text = MARKDOWN_LINK_TEXT.matcher(heading).replaceAll("$1").toLowerCase(Locale.ROOT);
    StringBuilder b = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == ' ') {
        b.append('-');
      } else if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
        b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * The file's lines with fenced code blocks blanked and, unless {@code keepCodeSpans}, inline code
   * spans removed, so that code that looks like a link is not taken for one. Headings keep their
   * code spans (GitHub's anchors include their text). Line numbers are kept.
   */
  private static List<String> prose(String text, boolean keepCodeSpans) {
    List<String> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    String fence = null;
    for (String line : text.split("\n", -1)) {
      String trimmed = line.trim();
      if (fence == null && (trimmed.startsWith("```") || trimmed.startsWith("~~~"))) {
        fence = trimmed.substring(0, 3);
        out.add("");
      } else if (fence != null) {
        if (trimmed.startsWith(fence)) {
          fence = null;
        }
        out.add("");
      } else {
        out.add(keepCodeSpans ? line : line.replaceAll("`[^`]*`", ""));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- files

  /** The repository root: the nearest directory upwards with the parent pom and README.md. */
  static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path pom = p.resolve("pom.xml");
      if (Files.isRegularFile(pom)
          && Files.isRegularFile(p.resolve("README.md"))
          && read(pom).contains("<modules>")) {
        return p;
      }
    }
    throw new IllegalStateException(
        "no directory above " + Path.of("").toAbsolutePath() + " holds the parent pom.xml");
  }

  /** Every regular file under the root, outside build output and VCS data, in a stable order. */
  private static List<Path> files(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).filter(p -> !inSkippedDir(root, p)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot walk " + root, e);
    }
  }

  private static boolean inSkippedDir(Path root, Path file) {
    Path dir = root.relativize(file).getParent();
    if (dir != null) {
      for (Path part : dir) {
        if (SKIPPED_DIRS.contains(part.toString())) {
          return true;
        }
      }
    }
    return false;
  }

  /** The file as text, or null for a binary or large file. */
  private static String read(Path f) {
    try {
      if (Files.size(f) > MAX_SCANNED_BYTES) {
        return null;
      }
      byte[] b = Files.readAllBytes(f);
      for (byte x : b) {
        if (x == 0) {
          return null;
        }
      }
      return new String(b, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f, e);
    }
  }

  private static String relative(Path root, Path f) {
    return root.relativize(f).toString().replace('\\', '/');
  }
}
