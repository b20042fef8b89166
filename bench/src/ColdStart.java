import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Cold-start harness, run as a single-file program:
 * {@code java bench/src/ColdStart.java GATEWAY ADMIN SERVE_PID DATA_DIR WARMUP RUNS OUT HOST=CMD...}.
 *
 * <p>For each host (a service {@code H.default.localhost} with revision {@code H-00001}): WARMUP
 * cold starts first (the platform's JIT), of which only the very first is recorded, as {@code
 * first_ms}; then RUNS pairs. Each round of pairs (one per host) starts when no host has an
 * instance process. A pair sends {@code GET /} through Coldbrew and records the time to the first
 * byte and to the whole response, when the instance process appeared (in
 * DATA_DIR/runtime/instances.pids) and when its port first accepted a connection, and the
 * platform's CPU meanwhile by thread group; right after it (even pairs) or right before it (odd
 * pairs) it runs the app alone (CMD, split at spaces: spawned with {@code PORT} set, polled every
 * 0.2 ms until {@code GET /} is answered), so both see the same machine and their difference is
 * the pair's {@code overhead_ms}. Every start waits 300 ms first, for the platform's work after the
 * one before to end; the platform's CPU while the app runs alone is recorded to show it did. Writes
 * {@code HOST metric VALUE} lines to OUT.
 *
 * <p>All on 127.0.0.1; every wait is bounded.
 */
public class ColdStart {
  static final long POLL_NANOS = 200_000;

  /** Spawns cmd with PORT set, polls until GET / is answered; its ms from spawn, or -1. */
  static double appOnce(List<String> cmd) throws Exception {
    int port;
    try (var s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PORT", Integer.toString(port));
    long t0 = System.nanoTime();
    Process p = pb.start();
    p.getOutputStream().close();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
    long ok = -1;
    while (System.nanoTime() < deadline && p.isAlive()) {
      if (httpOk(port)) {
        ok = System.nanoTime();
        break;
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
    stop(p);
    return ok < 0 ? -1 : (ok - t0) / 1e6;
  }

  /**
   * The platform's work after a start (the status writes after a cold start's first response, a
   * scale-down) ends before the next start is measured, so neither side of a pair pays for the
   * other's.
   */
  static void settle() throws InterruptedException {
    Thread.sleep(300);
  }

  /** The app alone: ms from spawn to its first answer (-1: none), and the platform's CPU meanwhile. */
  record Alone(double ms, long platformCpuNanos) {}

  /** After {@link #settle}, {@link #appOnce}. */
  static Alone appAlone(List<String> cmd, long servePid) throws Exception {
    settle();
    Map<String, Long> cpu0 = threadCpu(servePid);
    double ms = appOnce(cmd);
    Map<String, Long> cpu1 = threadCpu(servePid);
    return new Alone(ms, CPU_GROUPS.stream().mapToLong(g -> cpuSince(cpu0, cpu1, g)).sum());
  }

  /** A thread group's CPU (ns) between two {@link #threadCpu} readings. */
  static long cpuSince(Map<String, Long> before, Map<String, Long> after, String group) {
    return after.getOrDefault(group, 0L) - before.getOrDefault(group, 0L);
  }

  static void stop(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Connects, sends GET /, and reads a status line; false on any failure. */
  static boolean httpOk(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write(
              "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      byte[] b = new byte[12];
      int n = s.getInputStream().readNBytes(b, 0, 12);
      return n == 12 && new String(b, StandardCharsets.US_ASCII).startsWith("HTTP/1.");
    } catch (IOException e) {
      return false;
    }
  }

  static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  public static void main(String[] args) throws Exception {
    String[] gw = args[0].split(":");
    String admin = args[1];
    long servePid = Long.parseLong(args[2]);
    Path pids = Path.of(args[3]).resolve("runtime").resolve("instances.pids");
    adminToken = Files.readString(Path.of(args[3]).resolve("admin-token")).trim();
    int warmup = Integer.parseInt(args[4]);
    int runs = Integer.parseInt(args[5]);
    Path out = Path.of(args[6]);
    Map<String, List<String>> apps = new java.util.LinkedHashMap<>();
    for (String a : List.of(args).subList(7, args.length)) {
      int eq = a.indexOf('=');
      apps.put(a.substring(0, eq), List.of(a.substring(eq + 1).split(" ")));
    }
    for (int r = -warmup; r < runs; r++) {
      // Every service at zero before a round, not each just before its own turn: the services of a
      // round are measured back to back, so all of them scale down (a JVM app's exit takes a core
      // for tens of milliseconds) in the wait before the next round, never during a measurement.
      List<String> notAtZero = new ArrayList<>();
      for (String h : apps.keySet()) {
        if (!awaitZero(admin, h, servePid)) {
          System.err.println(h + ": did not scale to zero in time; skipping it in run " + r);
          notAtZero.add(h);
        }
      }
      for (String h : apps.keySet()) {
        StringBuilder sb = new StringBuilder();
        if (notAtZero.contains(h)) {
          continue;
        }
        // Pairs alternate which side starts first, so neither always starts on caches the other
        // has just warmed (the app's files, the interpreter, the JVM's shared archive).
        boolean appFirst = r >= 0 && r % 2 == 1;
        Alone app = appFirst ? appAlone(apps.get(h), servePid) : null;
        settle();
        Map<String, Long> cpu0 = threadCpu(servePid);
        Sample s = measure(gw[0], Integer.parseInt(gw[1]), h, pids);
        Map<String, Long> cpu1 = threadCpu(servePid);
        if (s == null) {
          continue;
        }
        if (r < 0) {
          if (r == -warmup) {
            sb.append(h).append("\tfirst_ms\t").append(ms(s.done - s.t0)).append('\n');
            Files.writeString(out, sb.toString(), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
          }
          System.err.println(h + " warm-up " + r + ": " + ms(s.done - s.t0) + " ms");
          continue;
        }
        // The app alone right before or after, so both see the same machine; the pair's
        // difference is the overhead of this run.
        if (!appFirst) {
          app = appAlone(apps.get(h), servePid);
        }
        if (app.ms() < 0) {
          System.err.println(h + ": the app alone never answered in run " + r);
          continue;
        }
        sb.append(h).append("\tapp_ms\t").append(fmt(app.ms())).append('\n');
        sb.append(h).append("\tcoldbrew_ms\t").append(ms(s.done - s.t0)).append('\n');
        sb.append(h).append("\toverhead_ms\t").append(fmt((s.done - s.t0) / 1e6 - app.ms())).append('\n');
        sb.append(h).append("\tplatform_cpu_during_app_ms\t").append(ms(app.platformCpuNanos())).append('\n');
        long total = 0;
        for (String group : CPU_GROUPS) {
          long ns = cpuSince(cpu0, cpu1, group);
          total += ns;
          sb.append(h).append("\tcpu_").append(group).append("_ms\t").append(ms(ns)).append('\n');
        }
        sb.append(h).append("\tplatform_cpu_ms\t").append(ms(total)).append('\n');
        sb.append(h).append("\tfirst_byte_ms\t").append(ms(s.firstByte - s.t0)).append('\n');
        if (s.spawn > 0) {
          sb.append(h).append("\tpoke_to_spawn_ms\t").append(ms(s.spawn - s.t0)).append('\n');
          if (s.listen > 0) {
            sb.append(h).append("\tspawn_to_listen_ms\t").append(ms(s.listen - s.spawn)).append('\n');
            sb.append(h).append("\tlisten_to_first_byte_ms\t").append(ms(s.firstByte - s.listen)).append('\n');
          }
        }
        System.err.println(h + " run " + r + ": " + ms(s.done - s.t0) + " ms");
        Files.writeString(out, sb.toString(), java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      }
    }
  }

  record Sample(long t0, long spawn, long listen, long firstByte, long done) {}

  /**
   * Waits (≤ 120 s) until the revision's private endpoints are empty, no child of the platform runs
   * it and the container engine is not cleaning up.
   */
  static boolean awaitZero(String admin, String host, long servePid) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      String body = get(admin + "/api/v1/namespaces/default/endpoints/" + host + "-00001-private");
      boolean noEndpoints = body != null && !body.contains("\"addresses\"");
      boolean noChild =
          ProcessHandle.of(servePid).map(p -> p.children().noneMatch(c -> isOf(c, host))).orElse(true);
      if (noEndpoints && noChild && !engineCleaningUp()) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  /**
   * Whether podman still cleans up a container that ended (conmon's {@code podman container
   * cleanup}): both sides of a pair start on an idle engine, as the app alone always does.
   */
  static boolean engineCleaningUp() {
    return ProcessHandle.allProcesses()
        .anyMatch(p -> p.info().commandLine().map(c -> c.contains(" container cleanup ")).orElse(false));
  }

  static boolean isOf(ProcessHandle c, String host) {
    return environ(c.pid()).getOrDefault("K_SERVICE", "").equals(host);
  }

  static Map<String, String> environ(long pid) {
    try {
      String s = Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.ISO_8859_1);
      java.util.HashMap<String, String> m = new java.util.HashMap<>();
      for (String kv : s.split("\0")) {
        int i = kv.indexOf('=');
        if (i > 0) {
          m.put(kv.substring(0, i), kv.substring(i + 1));
        }
      }
      return m;
    } catch (IOException e) {
      return Map.of();
    }
  }

  /** The admin API's bearer token, from DATA_DIR/admin-token. */
  static String adminToken;

  /**
   * A GET on the admin API with the token: the body (of a 2xx or a 404), or null when it did not
   * answer or refused (a refusal must not read as "no endpoints").
   */
  static String get(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(2000);
      c.setReadTimeout(5000);
      c.setRequestProperty("Authorization", "Bearer " + adminToken);
      try (InputStream in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream()) {
        String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        int code = c.getResponseCode();
        return code / 100 == 2 || code == 404 ? body : null;
      }
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Sends the request on this thread; a watcher thread sees the instance process appear (a line
   * for a {@code HOST-00001-…} instance in the platform's {@code instances.pids}, written right
   * after the spawn) and its PORT accept a connection. Reading one small file every 0.2 ms costs
   * microseconds; scanning /proc for the platform's children would take a core from what is
   * measured.
   */
  static Sample measure(String gwHost, int gwPort, String host, Path pids) throws Exception {
    long[] seen = {0, 0};
    Socket s = new Socket();
    s.connect(new InetSocketAddress(gwHost, gwPort), 1000);
    s.setSoTimeout(60_000);
    s.setTcpNoDelay(true);
    String prefix = " " + host + "-00001-";
    Thread watcher =
        new Thread(
            () -> {
              long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
              int port = -1;
              while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
                if (seen[0] == 0) {
                  long pid = spawned(pids, prefix);
                  if (pid > 0) {
                    seen[0] = System.nanoTime();
                    port = Integer.parseInt(environ(pid).getOrDefault("PORT", "-1"));
                  }
                } else if (port > 0 && accepts(port)) {
                  seen[1] = System.nanoTime();
                  return;
                }
                LockSupport.parkNanos(POLL_NANOS);
              }
            });
    byte[] req =
        ("GET / HTTP/1.1\r\nHost: " + host + ".default.localhost\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    OutputStream o = s.getOutputStream();
    long t0 = System.nanoTime();
    watcher.start();
    o.write(req);
    InputStream in = s.getInputStream();
    int first = in.read();
    long firstByte = System.nanoTime();
    byte[] rest = in.readAllBytes();
    long done = System.nanoTime();
    s.close();
    watcher.interrupt();
    watcher.join(5000);
    String head = (char) first + new String(rest, 0, Math.min(rest.length, 20), StandardCharsets.US_ASCII);
    if (!head.startsWith("HTTP/1.1 200")) {
      System.err.println(host + ": unexpected response " + head);
      return null;
    }
    return new Sample(t0, seen[0], seen[1], firstByte, done);
  }

  static final List<String> CPU_GROUPS = List.of("jit", "gc", "eventloop", "control", "runtime", "other");

  /**
   * The platform's CPU time so far (ns, from each thread's {@code schedstat}) by group of threads:
   * the JIT compilers, the GC, the gateway's event loops, the control plane (reconcilers, their
   * timer, the store), the runtime (spawning and probing), everything else. Read before and after
   * a cold start, not during it.
   */
  static Map<String, Long> threadCpu(long pid) {
    Map<String, Long> out = new java.util.HashMap<>();
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String name = Files.readString(t.resolve("comm")).trim();
          long ns = Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]);
          out.merge(group(name), ns, Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended
        }
      }
    } catch (IOException e) {
      // the platform ended
    }
    return out;
  }

  static String group(String thread) {
    if (thread.startsWith("C1 Compiler") || thread.startsWith("C2 Compiler")) {
      return "jit";
    }
    if (thread.startsWith("GC ") || thread.startsWith("G1 ") || thread.equals("VM Thread")) {
      return "gc";
    }
    if (thread.startsWith("coldbrew-gatewa") || thread.startsWith("vert.x-eventloo")) {
      return "eventloop";
    }
    if (thread.startsWith("reconcile-")
        || thread.startsWith("controller-")
        || thread.startsWith("coldbrew-store")) {
      return "control";
    }
    if (thread.startsWith("coldbrew-runtim")) {
      return "runtime";
    }
    return "other";
  }

  /**
   * The pid of a running instance whose id follows prefix in the platform's {@code instances.pids},
   * or -1. The file is a journal ({@code <pid> <start> <id>} when a process starts, {@code - <pid>
   * <id>} when it ends), so the lines are replayed and only a process that has not ended counts.
   */
  static long spawned(Path pids, String prefix) {
    try {
      Map<String, String> live = new java.util.LinkedHashMap<>();
      for (String line : Files.readAllLines(pids, StandardCharsets.UTF_8)) {
        String[] f = line.trim().split(" ");
        if (f.length != 3) {
          continue;
        }
        if (f[0].equals("-")) {
          live.remove(f[1]);
        } else {
          live.put(f[0], " " + f[2]);
        }
      }
      for (Map.Entry<String, String> e : live.entrySet()) {
        if (e.getValue().startsWith(prefix)) {
          return Long.parseLong(e.getKey());
        }
      }
    } catch (IOException | RuntimeException e) {
      // not written yet, or being replaced
    }
    return -1;
  }

  static String ms(long nanos) {
    return fmt(nanos / 1e6);
  }

  static String fmt(double ms) {
    return String.format(java.util.Locale.ROOT, "%.3f", ms);
  }
}
