package dev.coldbrew.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {
  @TempDir Path dir;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void everyStartWritesANewOwnerOnlyToken() throws Exception {
    String first = AdminToken.rotate(dir);
    Path file = dir.resolve(AdminToken.FILE);
    assertThat(first).matches("[0-9a-f]{64}");
    assertThat(Files.readString(file)).isEqualTo(first + "\n");
    assertThat(mode(file)).isEqualTo("rw-------");
    String second = AdminToken.rotate(dir);
    assertThat(second).isNotEqualTo(first);
    assertThat(Files.readString(file).trim()).isEqualTo(second);
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly(AdminToken.FILE);
    }
  }

  @Test
  void anEmptyOrWorldReadableTokenIsReplacedNotTrusted() throws Exception {
    Path file = dir.resolve(AdminToken.FILE);
    for (String old : new String[] {"", "leaked-token\n"}) {
      Files.writeString(file, old);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
      String token = AdminToken.rotate(dir);
      assertThat(token).isNotEqualTo(old.trim()).isNotEmpty();
      assertThat(mode(file)).isEqualTo("rw-------");
      assertThat(Files.readString(file).trim()).isEqualTo(token);
    }
  }

  @Test
  void aTokenPathThatIsADirectoryStopsTheStartNamingIt() throws Exception {
    Files.createDirectory(dir.resolve(AdminToken.FILE));
    assertThatThrownBy(() -> AdminToken.rotate(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(dir.resolve(AdminToken.FILE).toString())
        .hasMessageContaining("directory");
  }

  @Test
  void aDataDirOpenToOthersIsTightened() throws Exception {
    Path data = Files.createDirectory(dir.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    AdminToken.securePrivateDirectory(data);
    assertThat(mode(data)).isEqualTo("rwx------");
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
    AdminToken.securePrivateDirectory(data);
    assertThat(mode(data)).isEqualTo("rwx------");
    AdminToken.securePrivateDirectory(dir.resolve("missing")); // created later, 0700, by the store
    assertThat(dir.resolve("missing")).doesNotExist();
  }
}
