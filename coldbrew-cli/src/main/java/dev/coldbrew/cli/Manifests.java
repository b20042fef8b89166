package dev.coldbrew.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.validation.Unreadable;
import dev.coldbrew.api.validation.ValidationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the documents of {@code -f FILE|DIR|-} arguments: YAML or JSON, multi-document, {@code
 * kind: List}; a directory contributes its {@code .yaml}, {@code .yml} and {@code .json} files in
 * name order.
 */
public final class Manifests {
  private Manifests() {}

  /** One document and where it came from. */
  public record Document(String source, ObjectNode node) {}

  /**
   * Reads every document.
   *
   * @throws UserException naming the file that could not be read or parsed
   */
  public static List<Document> read(List<String> args, InputStream stdin) {
    List<Document> out = new ArrayList<>();
    for (String arg : args) {
      if (arg.equals("-")) {
        try {
          add("<stdin>", new String(stdin.readAllBytes(), StandardCharsets.UTF_8), out);
        } catch (IOException e) {
          throw new UserException("-f -: cannot read standard input: " + e.getMessage());
        }
        continue;
      }
      Path p = Path.of(arg);
      if (Files.isDirectory(p)) {
        try (Stream<Path> files = Files.list(p)) {
          for (Path f :
              files.filter(f -> f.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList()) {
            add(f.toString(), readFile(f), out);
          }
        } catch (IOException e) {
          throw new UserException("-f: " + Unreadable.why(p, e));
        }
      } else {
        add(arg, readFile(p), out);
      }
    }
    return out;
  }

  private static String readFile(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UserException("-f: " + Unreadable.why(p, e));
    }
  }

  private static void add(String source, String text, List<Document> out) {
    try {
      for (ObjectNode doc : ResourceCodec.split(text)) {
        out.add(new Document(source, doc));
      }
    } catch (ValidationException e) {
      throw new UserException(source + ": " + e.getMessage());
    }
  }
}
