package dev.coldbrew.cli.commands;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.cli.ApiClient;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.Main;
import dev.coldbrew.cli.Views;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code coldbrew cds-training} (hidden): runs the client's common paths once, with no platform and
 * no output, so that {@code ./coldbrew} can record the classes they load in a class-data sharing
 * archive ({@code -XX:ArchiveClassesAtExit}) and later client calls start from it: every command's
 * model, parsing flags, YAML and JSON manifests, every kind's table, and the HTTP client against a
 * canned answer from an in-process socket on loopback. Runs on the calling thread plus that
 * socket's one thread.
 */
@Command(name = "cds-training", hidden = true, description = "Warm-up run for the CDS archive.")
public class CdsTrainingCommand implements Callable<Integer> {
  private static final String SERVICE =
      """
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata:
        name: hello
        namespace: default
        creationTimestamp: "2026-01-01T00:00:00Z"
      spec:
        template:
          metadata:
            annotations:
              autoscaling.knative.dev/min-scale: "0"
          spec:
            containerConcurrency: 10
            containers:
              - command: ["app"]
                args: ["--flag"]
                env: [{name: TARGET, value: x}]
                ports: [{containerPort: 8080}]
        traffic:
          - {latestRevision: true, percent: 100}
      status:
        url: http://hello.default.localhost:8080
        latestReadyRevisionName: hello-00001
        conditions:
          - {type: Ready, status: "True", lastTransitionTime: "2026-01-01T00:00:00Z"}
      """;

  @Override
  public Integer call() throws Exception {
    PrintWriter sink = new PrintWriter(new StringWriter());
    CommandLine all = Main.commandLine();
    all.setOut(sink).setErr(sink);
    all.parseArgs(
        "service", "create", "x", "--cmd", "app", "--arg", "a", "-e", "K=V", "--scale", "1..3");
    all.parseArgs("get", "ksvc", "-o", "yaml");
    all.getUsageMessage();
    List<Resource> services = new ArrayList<>();
    for (var doc : ResourceCodec.split(SERVICE)) {
      Resource r = ResourceCodec.decode(doc);
      services.add(ResourceCodec.fromStoredJson(ResourceCodec.toJson(r)));
      sink.print(ResourceCodec.toYaml(r));
      sink.print(ResourceCodec.toPrettyJson(r));
    }
    for (Kind kind : Kind.values()) {
      List<Resource> items = kind == Kind.SERVICE ? services : List.of();
      Views.table(kind, items, true, true, List.of(), Clock.systemUTC()).print(sink);
    }
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String list =
          "{\"apiVersion\":\"serving.knative.dev/v1\",\"kind\":\"ServiceList\","
              + "\"metadata\":{\"resourceVersion\":\"1\"},\"items\":["
              + ResourceCodec.toJson(services.get(0))
              + "]}";
      Thread answer = new Thread(() -> answer(server, list), "cds-training-server");
      answer.setDaemon(true);
      answer.start();
      ApiClient client = new ApiClient("http://127.0.0.1:" + server.getLocalPort(), "t", "t");
      List<Resource> got = client.list(Kind.SERVICE, "default");
      Views.table(Kind.SERVICE, got, false, true, List.of(), Clock.systemUTC()).print(sink);
      answer.join(10_000);
    }
    try {
      new ApiClient("http://127.0.0.1:1", null, "nowhere").list(Kind.SERVICE, "default");
    } catch (ApiException expected) {
      sink.print(expected.getMessage());
    }
    return 0;
  }

  /** Answers one request with {@code list} as a chunked body. */
  private static void answer(ServerSocket server, String list) {
    try (Socket s = server.accept()) {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      int seen = 0;
      String head = "";
      while (!head.contains("\r\n\r\n") && (seen = in.read(buf)) > 0) {
        head += new String(buf, 0, seen, StandardCharsets.ISO_8859_1);
      }
      byte[] body = list.getBytes(StandardCharsets.UTF_8);
      OutputStream out = s.getOutputStream();
      out.write(
          ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nWarning: 299 - \"w\"\r\n"
                  + "Transfer-Encoding: chunked\r\n\r\n"
                  + Integer.toHexString(body.length)
                  + "\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    } catch (IOException e) {
      // the training run goes on without it
    }
  }
}
