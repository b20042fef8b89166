package dev.coldbrew.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnreadableTest {
  @TempDir Path dir;

  private String why(Path p) {
    try {
      Files.readString(p);
      throw new AssertionError("read " + p);
    } catch (IOException e) {
      return Unreadable.why(p, e);
    }
  }

  @Test
  void saysWhatIsWrongInWordsNotExceptionNames() throws IOException {
    Path missing = dir.resolve("nope.yaml");
    assertThat(why(missing)).isEqualTo("no such file: " + missing);
    assertThat(why(dir)).isEqualTo(dir + " is a directory (expected: a file)");
    Path file = Files.writeString(dir.resolve("f"), "x");
    Path under = file.resolve("child.yaml");
    assertThat(why(under)).doesNotContain("Exception").contains(under.toString());
  }

  @Test
  void otherFailuresKeepTheirMessage() {
    assertThat(Unreadable.why(Path.of("x"), new IOException("disk on fire")))
        .isEqualTo("cannot read x: disk on fire");
    assertThat(Unreadable.why(Path.of("x"), new IOException()))
        .isEqualTo("cannot read x: java.io.IOException");
  }
}
