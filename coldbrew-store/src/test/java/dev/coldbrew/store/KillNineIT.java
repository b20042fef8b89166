package dev.coldbrew.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every acknowledged write survives a SIGKILL of the writing process. */
class KillNineIT {
  @TempDir Path dir;

  @Test
  void acknowledgedCreatesSurviveKillNine() throws Exception {
    Path data = dir.resolve("data");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                KillNineWriter.class.getName(),
                data.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    List<String> acknowledged = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (!line.equals("started")) {
          acknowledged.add(line);
        }
        if (acknowledged.size() == 800) {
          child.destroyForcibly();
          break;
        }
      }
    } finally {
      child.destroyForcibly();
    }
    // destroyForcibly() is SIGKILL on POSIX: no shutdown hook or finally block runs in the child
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).isNotZero();
    assertThat(acknowledged).hasSize(800);

    try (SqliteStore store = SqliteStore.open(data)) {
      Set<String> stored =
          store.list(Kind.SERVICE, "default").items().stream()
              .map((Resource r) -> r.metadata.name)
              .collect(Collectors.toSet());
      assertThat(stored).containsAll(acknowledged);
      store.create(Fixtures.service("after-restart"));
    }
  }
}
