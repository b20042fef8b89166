package dev.coldbrew.runtime.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coldbrew.api.model.ImageReference;
import dev.coldbrew.api.runtime.ImageResolutionException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Podman, driven through its command line: the engine check at start-up, Coldbrew's own {@code
 * containers.conf}, image resolution, and bounded one-shot calls. Every call runs with {@code
 * CONTAINERS_CONF} pointing at {@code <data-dir>/runtime/containers.conf}, which Coldbrew writes
 * from what the check found — {@code runc} where the host's cgroup layout is v1 or hybrid (crun
 * refuses it), the platform's own hard {@code nofile} and {@code nproc} limits (podman's defaults
 * exceed them and every start would fail), catatonit as the init — so the user's configuration is
 * read by nothing Coldbrew runs and never edited. Every call is bounded: {@code engineCallTimeout},
 * or {@code imagePullTimeout} for a pull; a call that overruns is killed and fails.
 *
 * <p>Thread-safe: the check runs once (under this object's monitor); calls are independent
 * processes.
 */
final class ContainerEngine {
  private static final Logger log = LoggerFactory.getLogger(ContainerEngine.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INSTALL = "apt-get install -y podman runc catatonit";

  /** The variables the engine's own process keeps from the platform's environment. */
  private static final List<String> ENGINE_ENV =
      List.of("PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME");

  /**
   * What the engine check found.
   *
   * @param problem why containers cannot run here, with how to fix it; null when they can
   * @param reason the condition reason a container revision fails with when they cannot
   * @param summary one line for the platform's log
   */
  record Info(String problem, String reason, String summary) {
    boolean available() {
      return problem == null;
    }
  }

  /** The outcome of one call. */
  record Result(int exit, String out, String err) {
    /** The engine's own message: the last line of stderr that says something. */
    String message() {
      String[] lines = err.strip().split("\n");
      for (int i = lines.length - 1; i >= 0; i--) {
        String l = lines[i].strip();
        if (!l.isEmpty()) {
          return l.startsWith("Error: ") ? l.substring(7) : l;
        }
      }
      return "exit status " + exit;
    }
  }

  private final Path runtimeDir;
  private final Path conf;
  private final String podman;
  private final Duration callTimeout;
  private final Duration pullTimeout;
  private final Map<String, String> platformEnv;
  private Info info; // guarded by this
  private String executable; // guarded by this; set by check()

  ContainerEngine(LocalRuntimeOptions o) {
    this(o, System.getenv());
  }

  ContainerEngine(LocalRuntimeOptions o, Map<String, String> platformEnv) {
    this.runtimeDir = o.dataDir().resolve("runtime");
    this.conf = runtimeDir.resolve("containers.conf");
    this.podman = o.podman();
    this.callTimeout = o.engineCallTimeout();
    this.pullTimeout = o.imagePullTimeout();
    this.platformEnv = platformEnv;
  }

  /**
   * Checks the engine once (later calls return the first answer) and writes Coldbrew's {@code
   * containers.conf}. Blocking: {@code podman info} takes about a second.
   */
  synchronized Info info() {
    if (info == null) {
      info = check();
      if (info.available()) {
        log.info("container engine: {}", info.summary());
      } else if (info.reason().equals("ContainerEngineMissing")) {
        log.info("container engine: {}", info.problem()); // fine for process revisions
      } else {
        log.warn("container engine: {}", info.problem());
      }
    }
    return info;
  }

  private Info check() {
    Optional<Path> exe = find(podman);
    if (exe.isEmpty()) {
      return new Info(
          "podman is not installed, so revisions that run an image cannot start (install it: "
              + INSTALL
              + "; revisions with a command run as processes without it)",
          "ContainerEngineMissing",
          null);
    }
    executable = exe.get().toString();
    Result r;
    try {
      // the host as podman sees it with the machine's own configuration
      r = call(List.of("info", "--format", "json"), callTimeout, false);
    } catch (IOException e) {
      return unusable("podman info: " + e.getMessage());
    }
    if (r.exit() != 0) {
      return unusable("podman info failed: " + r.message());
    }
    JsonNode host;
    String version;
    try {
      JsonNode root = JSON.readTree(r.out());
      host = root.path("host");
      version = root.path("version").path("Version").asText("?");
    } catch (IOException e) {
      return unusable("podman info printed no JSON: " + e.getMessage());
    }
    String cgroups = host.path("cgroupVersion").asText("?");
    String defaultRuntime = host.path("ociRuntime").path("name").asText("?");
    boolean rootless = host.path("security").path("rootless").asBoolean(false);
    String layout = cgroupLayout(cgroups);
    String runtime = null;
    String why = "";
    if (cgroups.equals("v1")) {
      Optional<Path> runc = find("runc");
      if (runc.isEmpty()) {
        return unusable(
            "the host's cgroups are "
                + layout
                + ", which crun (podman's runtime) refuses, and runc is not installed (install it:"
                + " apt-get install -y runc)");
      }
      runtime = runc.get().toString();
      why = " (podman's default " + defaultRuntime + " refuses cgroups " + layout + ")";
    }
    Optional<Path> init = find("/usr/libexec/podman/catatonit").or(() -> find("catatonit"));
    if (init.isEmpty()) {
      return unusable(
          "catatonit is not installed; containers need it as their init so that SIGTERM reaches"
              + " the app (install it: apt-get install -y catatonit)");
    }
    long nofile = hardLimit("Max open files", 1_048_576);
    long nproc = Math.min(hardLimit("Max processes", Long.MAX_VALUE), pidMax());
    StringBuilder c = new StringBuilder();
    c.append("# Written by Coldbrew at every start for its own podman calls (CONTAINERS_CONF).\n");
    c.append("# The machine's and the user's containers.conf are not read by them, nor changed.\n");
    c.append("[containers]\n");
    c.append("default_ulimits = [\"nofile=")
        .append(nofile)
        .append(':')
        .append(nofile)
        .append("\", \"nproc=")
        .append(nproc)
        .append(':')
        .append(nproc)
        .append("\"]\n");
    c.append("init_path = \"").append(init.get()).append("\"\n");
    if (runtime != null) {
      c.append("[engine]\nruntime = \"").append(runtime).append("\"\n");
    }
    try {
      Files.createDirectories(runtimeDir);
      Path tmp = runtimeDir.resolve("containers.conf.tmp");
      Files.writeString(tmp, c.toString());
      Files.move(
          tmp,
          conf,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      return unusable("cannot write " + conf + ": " + e.getMessage());
    }
    String summary =
        "podman "
            + version
            + ", cgroups "
            + layout
            + ", OCI runtime "
            + (runtime == null ? defaultRuntime : "runc" + why)
            + ", "
            + (rootless ? "rootless" : "root")
            + ", ulimits nofile="
            + nofile
            + " nproc="
            + nproc
            + "; config "
            + conf;
    return new Info(null, null, summary);
  }

  private static Info unusable(String problem) {
    return new Info(
        "the container engine cannot run containers: " + problem, "ContainerEngineUnusable", null);
  }

  /** {@code v1}, {@code v1 (hybrid: cgroup2 holds hugetlb)} or {@code v2}. */
  private static String cgroupLayout(String version) {
    if (!version.equals("v1")) {
      return version;
    }
    try {
      String v2 =
          String.join(" ", Files.readAllLines(Path.of("/sys/fs/cgroup/unified/cgroup.controllers")))
              .strip();
      return v2.isEmpty() ? "v1 (hybrid)" : "v1 (hybrid: cgroup2 holds " + v2 + ")";
    } catch (IOException e) {
      return "v1";
    }
  }

  /** This process's hard limit from {@code /proc/self/limits}, or {@code unlimited}'s stand-in. */
  private static long hardLimit(String name, long unlimited) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith(name)) {
          String[] f = line.substring(name.length()).trim().split("\\s+");
          return f[1].equals("unlimited") ? unlimited : Long.parseLong(f[1]);
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cannot read the limit {}", name, e);
    }
    return unlimited == Long.MAX_VALUE ? 32768 : unlimited;
  }

  /** The kernel's pid limit: podman runs its containers with at most this many processes. */
  private static long pidMax() {
    try {
      // readAllLines: Files.readString reads a size-0 /proc file short
      return Long.parseLong(Files.readAllLines(Path.of("/proc/sys/kernel/pid_max")).get(0).strip());
    } catch (IOException | RuntimeException e) {
      return 32768;
    }
  }

  /** A command name on PATH (or a path), if it exists and is executable. */
  private Optional<Path> find(String command) {
    if (command.contains("/")) {
      Path p = Path.of(command);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    List<String> dirs = new ArrayList<>();
    String path = platformEnv.get("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(":")));
    }
    dirs.addAll(List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"));
    for (String d : dirs) {
      if (d.isEmpty()) {
        continue;
      }
      Path p = Path.of(d, command);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * A process builder for {@code podman ARGS} with Coldbrew's configuration and only the engine's
   * own variables of the platform's environment (the caller may add more). Requires a successful
   * {@link #info()}.
   */
  ProcessBuilder command(List<String> args) {
    return command(args, true);
  }

  private ProcessBuilder command(List<String> args, boolean ownConf) {
    String exe;
    synchronized (this) {
      exe = executable;
    }
    List<String> cmd = new ArrayList<>(args.size() + 1);
    cmd.add(exe);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.clear();
    for (String k : ENGINE_ENV) {
      String v = platformEnv.get(k);
      if (v != null) {
        env.put(k, v);
      }
    }
    if (ownConf) {
      env.put("CONTAINERS_CONF", conf.toString());
    }
    return pb;
  }

  /**
   * Runs {@code podman ARGS} to completion, at most {@code timeout}. Blocking.
   *
   * @throws IOException when it cannot be started, or overran (then it was killed)
   */
  Result call(List<String> args, Duration timeout) throws IOException {
    return call(args, timeout, true);
  }

  private Result call(List<String> args, Duration timeout, boolean ownConf) throws IOException {
    return run(command(args, ownConf), "podman " + String.join(" ", args), timeout);
  }

  /**
   * Runs another program of the machine's ({@code COMMAND}, found on the platform's {@code PATH})
   * to completion, at most {@code timeout}, its output captured as a podman call's is. Blocking.
   *
   * @throws IOException when it cannot be started, or overran (then it was killed)
   */
  Result exec(List<String> command, Duration timeout) throws IOException {
    return run(new ProcessBuilder(command), String.join(" ", command), timeout);
  }

  /** Runs {@code pb} with stdin at EOF and its output in files (never a full pipe), bounded. */
  private Result run(ProcessBuilder pb, String what, Duration timeout) throws IOException {
    Files.createDirectories(runtimeDir);
    Path out = Files.createTempFile(runtimeDir, "call", ".out");
    Path err = Files.createTempFile(runtimeDir, "call", ".err");
    try {
      Process p =
          pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      boolean done;
      try {
        done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException(what + ": interrupted");
      }
      if (!done) {
        p.destroyForcibly();
        throw new IOException(
            what + " did not finish within " + timeout.toSeconds() + " s; killed it");
      }
      return new Result(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /**
   * Resolves an image to the digest reference instances will run ({@code repository@sha256:…}),
   * pulling it first as the pull policy says — never for images built here ({@code localhost/…}),
   * always for {@code Always}, when missing for {@code IfNotPresent}. Blocking and bounded.
   *
   * @throws ImageResolutionException with the engine's message when the engine is unusable, the
   *     image is not here and may not (or could not) be pulled
   */
  String resolve(String image, String pullPolicy) {
    Info i = info();
    if (!i.available()) {
      throw new ImageResolutionException(i.reason(), i.problem());
    }
    ImageReference ref = ImageReference.parse(image);
    String name = ref.normalized();
    String policy = pullPolicy == null ? ref.defaultPullPolicy() : pullPolicy;
    boolean mayPull = mayPull(ref, policy);
    try {
      if (mayPull && policy.equals("Always")) {
        pull(name);
      }
      Result r = inspect(name);
      if (r.exit() != 0 && mayPull) {
        pull(name);
        r = inspect(name);
      }
      if (r.exit() != 0) {
        throw new ImageResolutionException(
            "ContainerMissing",
            "image "
                + name
                + " is not on this machine: "
                + r.message()
                + (ref.local()
                    ? " (a localhost/ image is never pulled: build it here, e.g. podman build -t "
                        + name
                        + " DIR)"
                    : " (imagePullPolicy: Never)"));
      }
      return digestReference(ref, r.out().strip());
    } catch (IOException e) {
      throw new ImageResolutionException("ContainerMissing", e.getMessage());
    }
  }

  /**
   * Whether the engine may pull {@code ref} under {@code pullPolicy} (null: the reference's
   * default): never for images built here ({@code localhost/…}) nor under {@code Never}.
   */
  static boolean mayPull(ImageReference ref, String pullPolicy) {
    String policy = pullPolicy == null ? ref.defaultPullPolicy() : pullPolicy;
    return !ref.local() && !policy.equals("Never");
  }

  private void pull(String name) throws IOException {
    log.info("pulling image {}", name);
    Result r = call(List.of("pull", "--quiet", name), pullTimeout);
    if (r.exit() != 0) {
      throw new ImageResolutionException(
          "ContainerMissing", "cannot pull image " + name + ": " + r.message());
    }
  }

  private Result inspect(String name) throws IOException {
    return call(
        List.of(
            "image",
            "inspect",
            "--format",
            "{{.Id}}\t{{.Digest}}\t{{range .RepoDigests}}{{.}} {{end}}",
            name),
        callTimeout);
  }

  /** The image's {@code repository@digest}, from {@code Id<TAB>Digest<TAB>RepoDigests}. */
  static String digestReference(ImageReference ref, String inspected) {
    String[] f = inspected.split("\t", -1);
    if (ref.digest() != null) {
      return ref.repository() + "@" + ref.digest();
    }
    if (f.length >= 3) {
      for (String rd : f[2].trim().split(" ")) {
        if (rd.startsWith(ref.repository() + "@")) {
          return rd;
        }
      }
    }
    if (f.length >= 2 && f[1].startsWith("sha256:")) {
      return ref.repository() + "@" + f[1];
    }
    throw new ImageResolutionException(
        "ContainerMissing", "podman reported no digest for " + ref.normalized() + ": " + inspected);
  }
}
