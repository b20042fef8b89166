package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one probe attempt against an instance: a TCP connect, an HTTP/1.1 GET whose status must be
 * 2xx or 3xx, a gRPC health check ({@link GrpcHealthCheck}) that must answer SERVING, or an exec
 * probe's command, which must exit 0. The first two are written on a plain socket (no client
 * library) so an attempt against a port that is not open yet costs one refused connect. Blocking,
 * bounded by the probe's timeout (an exec command still running then is killed with what it
 * started, and the attempt fails); stateless.
 */
final class Prober {
  private Prober() {}

  static boolean check(RevisionTemplate.ProbeSpec probe, Launched run) {
    if (probe.exec() != null) {
      return exec(probe, run);
    }
    if (probe.grpcService() != null) {
      return GrpcHealthCheck.serving(
          run.host(), run.port(), probe.grpcService(), Math.max(1, probe.timeout().toMillis()));
    }
    return check(probe, run.host(), run.port());
  }

  private static boolean exec(RevisionTemplate.ProbeSpec probe, Launched run) {
    Process p;
    try {
      p =
          run.probeCommand(probe.exec())
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectErrorStream(true)
              .start();
    } catch (IOException | RuntimeException e) {
      return false;
    }
    try {
      if (p.waitFor(Math.max(1, probe.timeout().toMillis()), TimeUnit.MILLISECONDS)) {
        return p.exitValue() == 0;
      }
      ProcessTree.kill(ProcessTree.of(p.toHandle()));
      return false;
    } catch (InterruptedException e) {
      ProcessTree.kill(ProcessTree.of(p.toHandle()));
      Thread.currentThread().interrupt();
      return false;
    }
  }

  static boolean check(RevisionTemplate.ProbeSpec probe, String host, int port) {
    int timeoutMillis = (int) Math.max(1, probe.timeout().toMillis());
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      if (!probe.http()) {
        return true;
      }
      s.setSoTimeout(timeoutMillis);
      StringBuilder req = new StringBuilder(128);
      req.append("GET ").append(probe.httpPath()).append(" HTTP/1.1\r\n");
      req.append("Host: ").append(host).append(':').append(port).append("\r\n");
      req.append("User-Agent: kube-probe/coldbrew\r\n");
      req.append("Accept: */*\r\nConnection: close\r\n");
      for (Map.Entry<String, String> h : probe.httpHeaders()) {
        req.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
      }
      req.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      int status = readStatus(s.getInputStream());
      return status >= 200 && status < 400;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The status code of an HTTP/1.x status line ({@code HTTP/1.1 200 OK}), or -1. */
  private static int readStatus(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder(32);
    int c;
    while ((c = in.read()) >= 0 && c != '\n' && line.length() < 256) {
      line.append((char) c);
    }
    String[] parts = line.toString().trim().split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
      return -1;
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
