package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden files: text the code produces, compared with a file in the source tree. Run the tests with
 * {@code -Dgolden.update=true} to rewrite the files (then review the diff). Stateless.
 */
final class Golden {
  private static final Path MAIN = Path.of("src/main/resources");
  private static final Path TEST = Path.of("src/test/resources/golden");

  private Golden() {}

  /** Checks a file shipped in the jar ({@code src/main/resources/<name>}). */
  static void assertShipped(String name, String actual) throws IOException {
    check(MAIN.resolve(name), name, actual);
  }

  /** Checks a test golden file ({@code src/test/resources/golden/<name>}). */
  static void assertGolden(String name, String actual) throws IOException {
    check(TEST.resolve(name), "golden/" + name, actual);
  }

  private static void check(Path file, String resource, String actual) throws IOException {
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual);
      return;
    }
    String expected;
    try (InputStream in = Golden.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as("%s (run with -Dgolden.update=true to create it)", resource).isNotNull();
      expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(actual)
        .as("%s (run with -Dgolden.update=true to accept)", resource)
        .isEqualTo(expected);
  }
}
