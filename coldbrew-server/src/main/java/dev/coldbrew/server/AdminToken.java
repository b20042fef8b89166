package dev.coldbrew.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's bearer token in {@code <data-dir>/admin-token}, and the data directory that
 * guards it. Every start writes a new random token (256 bits, hex): into a temporary file created
 * with mode 0600 (never readable by others, not even for an instant), then renamed over the old
 * one, so a reader sees the old token or the new one, never a partial or empty file; a token
 * another account could have read is never reused. The data directory must be owner-only: an
 * existing one open to group or others is tightened to 0700, or the start stops naming it. Static
 * helpers; call them from one thread at start-up.
 */
public final class AdminToken {
  private static final Logger LOG = LoggerFactory.getLogger(AdminToken.class);

  /** The token file's name in the data directory. */
  public static final String FILE = "admin-token";

  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");

  private AdminToken() {}

  /**
   * Makes an existing data directory owner-only (a missing one is created 0700 by the store).
   *
   * @throws IllegalStateException naming the directory when it cannot be made owner-only
   */
  public static void securePrivateDirectory(Path dir) {
    if (!Files.isDirectory(dir) || !posix(dir)) {
      return;
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
      Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
      for (PosixFilePermission p : perms) {
        if (!p.name().startsWith("OWNER")) {
          open.add(p);
        }
      }
      if (open.isEmpty()) {
        return;
      }
      String before = PosixFilePermissions.toString(perms);
      Set<PosixFilePermission> tight = EnumSet.copyOf(perms);
      tight.removeAll(open);
      tight.addAll(PosixFilePermissions.fromString("rwx------"));
      Files.setPosixFilePermissions(dir, tight);
      LOG.warn(
          "the data directory {} was {}, open to other accounts; it holds the admin token and the"
              + " store, so it is now rwx------",
          dir,
          before);
    } catch (IOException | SecurityException e) {
      throw new IllegalStateException(
          "--data-dir: "
              + dir
              + " is open to other accounts and cannot be made owner-only ("
              + e.getMessage()
              + "); use a directory you own, or run chmod 700 on it",
          e);
    }
  }

  /**
   * Writes a new token into {@code <dataDir>/admin-token} (mode 0600) and returns it.
   *
   * @throws IllegalStateException naming the file when it cannot be written
   */
  public static String rotate(Path dataDir) {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    String token = HexFormat.of().formatHex(b);
    Path file = dataDir.resolve(FILE);
    Path tmp = null;
    try {
      if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException("it is a directory");
      }
      warnIfExposed(file);
      tmp =
          posix(dataDir)
              ? Files.createTempFile(
                  dataDir,
                  ".admin-token-",
                  ".tmp",
                  PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE))
              : Files.createTempFile(dataDir, ".admin-token-", ".tmp");
      Files.write(tmp, (token + "\n").getBytes(StandardCharsets.US_ASCII), StandardOpenOption.SYNC);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return token;
    } catch (IOException | UnsupportedOperationException e) {
      try {
        if (tmp != null) {
          Files.deleteIfExists(tmp);
        }
      } catch (IOException ignored) {
        // best effort
      }
      throw new IllegalStateException(
          "cannot write the admin token " + file + " (" + e.getMessage() + ")", e);
    }
  }

  /** Says so when the token being replaced was empty or readable by other accounts. */
  private static void warnIfExposed(Path file) {
    try {
      if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      if (Files.size(file) == 0) {
        LOG.warn("the admin token {} was empty; a new one replaces it", file);
      } else if (posix(file)) {
        Set<PosixFilePermission> perms =
            Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        if (!OWNER_ONLY_FILE.containsAll(perms)) {
          LOG.warn(
              "the admin token {} was {}, readable by other accounts; a new one (rw-------)"
                  + " replaces it, so the old one no longer works",
              file,
              PosixFilePermissions.toString(perms));
        }
      }
    } catch (IOException e) {
      // replaced below either way
    }
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
