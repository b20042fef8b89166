package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A container image built offline for tests, with podman: {@code FROM scratch} with the host's
 * busybox-static, a web root and a start script whose {@code MODE} picks what it does — serve on
 * {@code $PORT} (default), serve on 8080 whatever {@code PORT} says ({@code fixed}), print twelve
 * lines and exit {@code $EXIT_CODE} ({@code exit}), log SIGTERM and exit ({@code term}), ignore
 * SIGTERM ({@code ignore}), never listen ({@code sleep}). At start it writes what it saw into its
 * web root: {@code /env} (its environment, sorted), {@code /cwd} and {@code /args}; {@code
 * /cgi-bin/slow} answers after a second. Listens on {@code ${HOST:-0.0.0.0}}. Used by this module's
 * and the CLI's container tests; {@link #close} removes the image.
 */
public final class TestImage implements AutoCloseable {
  private static Boolean available;

  private final String reference;

  private TestImage(String reference) {
    this.reference = reference;
  }

  /** The image, e.g. {@code localhost/coldbrew-it-app:1a2b3c}. */
  public String reference() {
    return reference;
  }

  /** True when podman answers and busybox-static is installed: container tests can run here. */
  public static synchronized boolean available() {
    if (available == null) {
      available =
          busybox() != null && run(List.of("podman", "info", "--format", "{{.Host.Arch}}")) == 0;
    }
    return available;
  }

  /** The host's busybox if it is statically linked (busybox-static), else null. */
  private static Path busybox() {
    for (String p : List.of("/bin/busybox", "/usr/bin/busybox")) {
      if (Files.isExecutable(Path.of(p)) && isStatic(Path.of(p))) {
        return Path.of(p);
      }
    }
    return null;
  }

  /** True when an ELF64 executable has no PT_INTERP program header (no dynamic loader). */
  private static boolean isStatic(Path elf) {
    try (var ch = java.nio.channels.FileChannel.open(elf)) {
      java.nio.ByteBuffer h =
          java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      ch.read(h, 0);
      long phoff = h.getLong(0x20);
      int phentsize = Short.toUnsignedInt(h.getShort(0x36));
      int phnum = Short.toUnsignedInt(h.getShort(0x38));
      java.nio.ByteBuffer ph =
          java.nio.ByteBuffer.allocate(phentsize * phnum).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      ch.read(ph, phoff);
      for (int i = 0; i < phnum; i++) {
        if (ph.getInt(i * phentsize) == 3) { // PT_INTERP
          return false;
        }
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  static final String START =
      """
      #!/bin/sh
      pwd > /www/cwd
      env | sort > /www/env
      echo "$@" > /www/args
      echo "test app mode=${MODE:-serve} port=${PORT} args: $*"
      listen="${HOST:-0.0.0.0}:${PORT:-8080}"
      case "$MODE" in
      exit)
        i=1
        while [ $i -le 12 ]; do echo "line $i"; i=$((i+1)); done
        exit ${EXIT_CODE:-3};;
      term)
        /bin/busybox httpd -f -p "$listen" -h /www &
        pid=$!
        trap 'echo "got SIGTERM"; kill $pid; exit 0' TERM
        wait $pid;;
      fixed) exec /bin/busybox httpd -f -p "${HOST:-0.0.0.0}:8080" -h /www;;
      ignore) trap '' TERM; exec /bin/busybox httpd -f -p "$listen" -h /www;;
      sleep) exec /bin/busybox sleep 3600;;
      *) exec /bin/busybox httpd -f -p "$listen" -h /www;;
      esac
      """;

  /**
   * Builds {@code localhost/coldbrew-it-<name>:<random tag>} whose {@code /index.html} is {@code
   * index}, in a directory under {@code work}.
   */
  public static TestImage build(Path work, String name, String index)
      throws IOException, InterruptedException {
    String tag = Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
    return buildAs(work, "localhost/coldbrew-it-" + name + ":" + tag, index);
  }

  /** Builds (or rebuilds: the tag moves) the image {@code reference}. */
  public static TestImage buildAs(Path work, String reference, String index)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory(work, "image");
    Path root = dir.resolve("rootfs");
    Files.createDirectories(root.resolve("bin"));
    Files.createDirectories(root.resolve("www"));
    Files.copy(busybox(), root.resolve("bin/busybox"));
    for (String l : List.of("sh", "env", "sort", "sleep", "cat")) {
      Files.createSymbolicLink(root.resolve("bin").resolve(l), Path.of("busybox"));
    }
    Files.writeString(root.resolve("www/index.html"), index);
    Files.createDirectories(root.resolve("www/cgi-bin"));
    Path slow = root.resolve("www/cgi-bin/slow");
    Files.writeString( // CRLF: the gateway refuses header lines ended by a bare LF
        slow, "#!/bin/sh\nsleep 1\nprintf 'Content-Type: text/plain\\r\\n\\r\\nslow\\n'\n");
    Files.setPosixFilePermissions(slow, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path start = root.resolve("start.sh");
    Files.writeString(start, START, StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(start, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(
        dir.resolve("Containerfile"),
        "FROM scratch\nCOPY rootfs/ /\nENV PORT=8080\nEXPOSE 8080\nCMD [\"/start.sh\"]\n");
    int exit = run(List.of("podman", "build", "-q", "-t", reference, dir.toString()));
    if (exit != 0) {
      throw new IOException("podman build of " + reference + " failed: exit " + exit);
    }
    return new TestImage(reference);
  }

  /** Runs a podman command (at most 2 minutes); its exit status, -1 if it could not run. */
  static int run(List<String> cmd) {
    try {
      Process p =
          new ProcessBuilder(new ArrayList<>(cmd))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** Output of a podman command (stdout and stderr), at most 2 minutes. */
  public static String output(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("podman"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
    }
    return out;
  }

  @Override
  public void close() {
    run(List.of("podman", "rmi", "--force", reference));
  }
}
