package dev.coldbrew.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.server.ConfigReloader.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config file followed while the platform runs: a valid edit is handed on once, the same config
 * written again is not, and a broken, missing or hostile file is refused and loses nothing (the
 * config in force stays, and the next good version is applied). Each look is made by hand.
 */
class ConfigReloaderTest {
  @TempDir Path dir;
  final List<PlatformConfig> applied = new ArrayList<>();
  int version;

  private Path file;

  private ConfigReloader reloader(String text) throws Exception {
    file = dir.resolve("coldbrew.yaml");
    write(text);
    return new ConfigReloader(
        file,
        PlatformConfig.load(file),
        c -> {
          applied.add(c);
          return "applied";
        });
  }

  /** Writes the file with a modification time of its own, as an edit a second later would. */
  private void write(String text) throws Exception {
    Files.writeString(file, text);
    Files.setLastModifiedTime(file, FileTime.fromMillis(1_000_000L + 1000L * version++));
  }

  @Test
  void aValidEditIsAppliedOnceAndAnUnchangedFileIsNotReadAgain() throws Exception {
    try (ConfigReloader r = reloader("autoscaler:\n  stable-window: 60s\n")) {
      assertThat(r.check()).isEqualTo(Outcome.UNCHANGED);

      write("autoscaler:\n  stable-window: 30s\n");
      assertThat(r.check()).isEqualTo(Outcome.APPLIED);
      assertThat(applied).hasSize(1);
      assertThat(applied.get(0).autoscaler().stableWindow()).hasSeconds(30);
      assertThat(r.check()).isEqualTo(Outcome.UNCHANGED);

      write("# a comment only\nautoscaler:\n  stable-window: 30s\n");
      assertThat(r.check()).as("the same config, written again").isEqualTo(Outcome.UNCHANGED);
      assertThat(applied).hasSize(1);
    }
  }

  @Test
  void aBrokenEditIsRefusedAndTheNextGoodOneApplied() throws Exception {
    try (ConfigReloader r = reloader("autoscaler:\n  stable-window: 60s\n")) {
      for (String bad :
          List.of(
              "autoscaler:\n  stable-window: 60\n", // no unit
              "autoscaler: [1, 2\n", // not YAML
              "autoscaler:\n  target-burst-capacity: 1e400\n",
              "autoscaler:\n  stable-window: \"-5s\"\n",
              "autoscaler:\n  max-scale: \"99999999999999999999\"\n",
              "autoscaler:\n  stabel-window: 30s\n", // a misspelt key
              "nonsense-section:\n  a: b\n",
              "- a list\n- not a map\n")) {
        write(bad);
        assertThat(r.check()).as(bad).isEqualTo(Outcome.REJECTED);
      }
      assertThat(applied).isEmpty();

      write("autoscaler:\n  stable-window: 20s\n");
      assertThat(r.check()).isEqualTo(Outcome.APPLIED);
      assertThat(applied.get(0).autoscaler().stableWindow()).hasSeconds(20);
    }
  }

  @Test
  void aMissingFileOrADirectoryKeepsTheConfigAndItsReturnIsApplied() throws Exception {
    try (ConfigReloader r = reloader("autoscaler:\n  stable-window: 60s\n")) {
      Files.delete(file);
      assertThat(r.check()).isEqualTo(Outcome.UNCHANGED);
      Files.createDirectory(file);
      assertThat(r.check()).isEqualTo(Outcome.UNCHANGED);
      assertThat(applied).isEmpty();

      Files.delete(file);
      write("autoscaler:\n  stable-window: 10s\n");
      assertThat(r.check()).isEqualTo(Outcome.APPLIED);
      assertThat(applied.get(0).autoscaler().stableWindow()).hasSeconds(10);
    }
  }
}
