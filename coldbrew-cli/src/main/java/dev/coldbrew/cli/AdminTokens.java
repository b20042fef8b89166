package dev.coldbrew.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How the CLI finds the admin API's bearer token without being told, on the machine and as the user
 * that runs {@code coldbrew serve}. {@code serve} records, per admin port, where its token file is:
 * {@code ~/.coldbrew/servers/<port>} (directory 0700, file 0600) holds the token file's absolute
 * path, and is removed when {@code serve} stops. A client finds the token from, in order: {@code
 * $COLDBREW_TOKEN}; {@code --token-file FILE}; and, only when the server URL names loopback ({@code
 * localhost}, {@code 127.0.0.1}, {@code [::1]}), the record for the URL's port, then {@code
 * ./.coldbrew/admin-token}, so a token never goes to another machine unasked. Stateless; safe from
 * any thread.
 */
public final class AdminTokens {
  private static final String TOKEN_FILE = "admin-token";

  private AdminTokens() {}

  /** A token and where it came from (for error messages). */
  public record Found(String token, String source) {}

  /** Where {@code serve} records its token file for the admin port {@code port}. */
  public static Path record(int port) {
    return Path.of(System.getProperty("user.home"), ".coldbrew", "servers", Integer.toString(port));
  }

  /**
   * Records {@code tokenFile} as the token of the admin API on {@code port}, replacing any older
   * record atomically.
   *
   * @throws IOException when the record cannot be written (the CLI then needs the token given)
   */
  public static Path remember(int port, Path tokenFile) throws IOException {
    Path rec = record(port);
    Path dir = rec.getParent();
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (posix) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } else {
      Files.createDirectories(dir);
    }
    Path tmp =
        posix
            ? Files.createTempFile(
                dir,
                ".server-",
                ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
            : Files.createTempFile(dir, ".server-", ".tmp");
    try {
      Files.writeString(tmp, tokenFile.toAbsolutePath() + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, rec, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return rec;
  }

  /** Removes the record of {@code port} if it still names {@code tokenFile}. */
  public static void forget(int port, Path tokenFile) {
    Path rec = record(port);
    try {
      if (Files.readString(rec).trim().equals(tokenFile.toAbsolutePath().toString())) {
        Files.delete(rec);
      }
    } catch (IOException e) {
      // already gone, or another serve's now
    }
  }

  /**
   * The token for {@code server}; throws {@link UserException} when an explicitly named source
   * cannot be read, and returns a token of null (with where it looked) when none was found.
   */
  public static Found find(URI server, Path tokenFile) {
    String env = System.getenv("COLDBREW_TOKEN");
    if (env != null && !env.isBlank()) {
      return new Found(env.trim(), "$COLDBREW_TOKEN");
    }
    if (tokenFile != null) {
      return new Found(read(tokenFile, "--token-file"), "--token-file " + tokenFile);
    }
    List<String> looked = new ArrayList<>(List.of("$COLDBREW_TOKEN", "--token-file"));
    if (isLoopback(server.getHost())) {
      int port = server.getPort() < 0 ? 80 : server.getPort();
      Path rec = record(port);
      looked.add(rec.toString());
      if (Files.isRegularFile(rec)) {
        try {
          Path file = Path.of(Files.readString(rec).trim());
          looked.add(file.toString());
          if (Files.isReadable(file)) {
            return new Found(read(file, rec.toString()), file.toString());
          }
        } catch (IOException | java.nio.file.InvalidPathException e) {
          // an unreadable record: fall through to the data dir of this directory
        }
      }
      Path local = Path.of(".coldbrew", TOKEN_FILE).toAbsolutePath();
      looked.add(local.toString());
      if (Files.isReadable(local)) {
        return new Found(read(local, local.toString()), local.toString());
      }
    } else {
      looked.add("(nothing on this machine: " + server + " is not a loopback URL)");
    }
    return new Found(null, String.join(", ", looked));
  }

  /**
   * The data directory of the platform at {@code server} when the server is a loopback URL, found
   * the way the token is: the directory of {@code --token-file} when that file is a data
   * directory's {@code admin-token}; else the directory of the token file recorded for the port
   * (left behind when {@code serve} did not stop cleanly), else {@code ./.coldbrew}. Empty for a
   * server on another machine, and when none of these is a directory.
   */
  public static Optional<Path> dataDir(URI server, Path tokenFile) {
    return dataDir(
        server, tokenFile, Path.of(System.getProperty("user.home")), Path.of("").toAbsolutePath());
  }

  /** {@link #dataDir(URI, Path)} for the user whose home is {@code home}, run in {@code cwd}. */
  static Optional<Path> dataDir(URI server, Path tokenFile, Path home, Path cwd) {
    if (!isLoopback(server.getHost())) {
      return Optional.empty();
    }
    if (tokenFile != null) {
      Path abs = cwd.resolve(tokenFile);
      return abs.getFileName() != null
              && abs.getFileName().toString().equals(TOKEN_FILE)
              && Files.isDirectory(abs.getParent())
          ? Optional.of(abs.getParent())
          : Optional.empty();
    }
    Path rec =
        home.resolve(".coldbrew")
            .resolve("servers")
            .resolve(Integer.toString(server.getPort() < 0 ? 80 : server.getPort()));
    try {
      if (Files.isRegularFile(rec)) {
        Path dir = Path.of(Files.readString(rec).trim()).getParent();
        if (dir != null && dir.isAbsolute() && Files.isDirectory(dir)) {
          return Optional.of(dir);
        }
      }
    } catch (IOException | java.nio.file.InvalidPathException e) {
      // an unreadable record: fall through to the data dir of this directory
    }
    Path local = cwd.resolve(".coldbrew");
    return Files.isDirectory(local) ? Optional.of(local) : Optional.empty();
  }

  static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost")
        || h.equals("127.0.0.1")
        || h.equals("[::1]")
        || h.equals("::1")
        || h.equals("[0:0:0:0:0:0:0:1]");
  }

  private static String read(Path p, String what) {
    try {
      String t = Files.readString(p).trim();
      if (t.isEmpty()) {
        throw new UserException(what + ": " + p + " is empty (expected: the admin token)");
      }
      return t;
    } catch (IOException e) {
      throw new UserException(what + ": cannot read " + p + " (" + e.getMessage() + ")");
    }
  }
}
