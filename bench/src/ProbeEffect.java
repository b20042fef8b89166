import java.net.*;
import java.util.*;
import java.util.concurrent.locks.LockSupport;
/**
 * Does probing a starting app's port at the runtime's cadence slow the app's start? Run as a
 * single-file program: {@code java bench/src/ProbeEffect.java "CMD" N}. Starts CMD (split at
 * spaces, {@code PORT} set) N times, alternately with and without a thread that connects to its
 * port the way the runtime's startup probe does for a revision whose previous start took ~100 ms
 * (every 20 ms until 75 ms, then every 1 ms, until the first connect succeeds), and prints the
 * median time from spawn to the first answered {@code GET /} of each kind. The measuring side
 * polls only every 5 ms, so it is not itself a probe load (and each figure carries up to 5 ms of
 * that granularity). All on 127.0.0.1; every wait is bounded.
 */
public class ProbeEffect {
  public static void main(String[] a) throws Exception {
    List<String> cmd = List.of(a[0].split(" "));
    int n = Integer.parseInt(a[1]);
    List<Double> with = new ArrayList<>(), without = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean probe = i % 2 == 0;
      double ms = once(cmd, probe);
      (probe ? with : without).add(ms);
      Thread.sleep(300);
    }
    Collections.sort(with); Collections.sort(without);
    System.out.printf("with probes: p50 %.1f ms (n %d); without: p50 %.1f ms (n %d); diff %.1f ms%n",
        with.get(with.size()/2), with.size(), without.get(without.size()/2), without.size(),
        with.get(with.size()/2) - without.get(without.size()/2));
    System.out.println("with " + with + "\nwithout " + without);
  }
  static double once(List<String> cmd, boolean probe) throws Exception {
    int port; try (var s = new ServerSocket(0)) { port = s.getLocalPort(); }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PORT", Integer.toString(port));
    long t0 = System.nanoTime();
    Process p = pb.start();
    Thread prober = null;
    if (probe) { // like the runtime for a ~100 ms start: every 20 ms until 75 ms, then every 1 ms
      prober = new Thread(() -> {
        while (!Thread.currentThread().isInterrupted()) {
          try (Socket s = new Socket()) { s.connect(new InetSocketAddress("127.0.0.1", port), 1000); return; } catch (Exception e) {}
          long since = System.nanoTime() - t0;
          LockSupport.parkNanos(since < 75_000_000 ? 20_000_000 : 1_000_000);
        }
      });
      prober.setDaemon(true); prober.start();
    }
    // the measuring side polls with a GET every 5 ms (sparse, so it is not itself a probe load)
    long ok = -1;
    while (System.nanoTime() - t0 < 30_000_000_000L) {
      if (get(port)) { ok = System.nanoTime(); break; }
      LockSupport.parkNanos(5_000_000);
    }
    if (prober != null) prober.interrupt();
    p.descendants().forEach(ProcessHandle::destroy); p.destroy(); p.waitFor();
    return (ok - t0) / 1e6;
  }
  static boolean get(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000); s.setSoTimeout(5000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes());
      return s.getInputStream().read() == 'H';
    } catch (Exception e) { return false; }
  }
}
