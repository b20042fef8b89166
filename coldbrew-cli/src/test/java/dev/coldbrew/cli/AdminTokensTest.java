package dev.coldbrew.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code coldbrew logs} looks for the data directory of a platform that is not running: found
 * the way the admin token is, and never for a server on another machine.
 */
class AdminTokensTest {
  private static final URI LOCAL = URI.create("http://127.0.0.1:8081");

  @TempDir Path tmp;

  @Test
  void theTokenFileGivenNamesItsDataDirectoryOnlyWhenItIsAnAdminToken() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(data.resolve("admin-token"), "t\n");
    Path home = Files.createDirectories(tmp.resolve("home"));
    assertThat(AdminTokens.dataDir(LOCAL, data.resolve("admin-token"), home, tmp)).contains(data);
    assertThat(AdminTokens.dataDir(LOCAL, Path.of("data/admin-token"), home, tmp))
        .as("relative to the working directory")
        .contains(data);
    assertThat(AdminTokens.dataDir(LOCAL, tmp.resolve("my-token"), home, tmp)).isEmpty();
    assertThat(AdminTokens.dataDir(LOCAL, Path.of("/"), home, tmp)).isEmpty();
    assertThat(
            AdminTokens.dataDir(
                URI.create("http://10.0.0.5:8081"), data.resolve("admin-token"), home, tmp))
        .as("a server on another machine: the file is not its data directory")
        .isEmpty();
  }

  @Test
  void aLoopbackServerLooksInItsPortsRecordThenInDotColdbrew() throws IOException {
    Path home = Files.createDirectories(tmp.resolve("home"));
    Path cwd = Files.createDirectories(tmp.resolve("cwd"));
    assertThat(AdminTokens.dataDir(LOCAL, null, home, cwd)).isEmpty();

    Path local = Files.createDirectories(cwd.resolve(".coldbrew"));
    assertThat(AdminTokens.dataDir(LOCAL, null, home, cwd)).contains(local);

    Path data = Files.createDirectories(tmp.resolve("data"));
    Path rec = Files.createDirectories(home.resolve(".coldbrew/servers")).resolve("8081");
    Files.writeString(rec, data.resolve("admin-token") + "\n");
    assertThat(AdminTokens.dataDir(LOCAL, null, home, cwd)).contains(data);
    assertThat(AdminTokens.dataDir(URI.create("http://localhost:9999"), null, home, cwd))
        .as("another port's record is not this server's")
        .contains(local);

    Files.writeString(rec, "relative/admin-token\n");
    assertThat(AdminTokens.dataDir(LOCAL, null, home, cwd)).contains(local);
    Files.writeString(rec, "\u0000\n");
    assertThat(AdminTokens.dataDir(LOCAL, null, home, cwd)).contains(local);
  }

  @Test
  void aServerOnAnotherMachineHasNoDataDirectoryHere() throws IOException {
    Path cwd = Files.createDirectories(tmp.resolve("cwd"));
    Files.createDirectories(cwd.resolve(".coldbrew"));
    assertThat(AdminTokens.dataDir(URI.create("http://10.0.0.5:8081"), null, tmp, cwd)).isEmpty();
    assertThat(AdminTokens.dataDir(URI.create("http://example.com"), null, tmp, cwd)).isEmpty();
  }
}
