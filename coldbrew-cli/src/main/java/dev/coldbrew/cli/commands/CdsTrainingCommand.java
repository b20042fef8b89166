package dev.coldbrew.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.cli.ApiClient;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.ClientWarmUp;
import dev.coldbrew.cli.Main;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code coldbrew cds-training} (hidden): runs the client's common calls once, as a user types
 * them, so that {@code ./coldbrew} can record the classes they load (and the lambdas they link) in
 * a class-data sharing archive that later client calls start from. Each call goes through the whole
 * command line ({@link Main#commandLine(String[])}, parsing, the admin API client, the tables and
 * the YAML and JSON output) against a canned admin API: an in-process HTTP/1.1 server on loopback
 * that holds one service, its revision and its route; never a cluster, whatever {@code
 * COLDBREW_ENGINE} says. Also the full command tree (help) and an unreachable server. Prints
 * nothing; exits 1, naming the calls, when one of them failed (the training would then miss what
 * that call loads). Runs on the calling thread plus the server's one thread.
 */
@Command(name = "cds-training", hidden = true, description = "Warm-up run for the CDS archive.")
public class CdsTrainingCommand implements Callable<Integer> {
  private static final String RESOURCES =
      """
      apiVersion: serving.knative.dev/v1
      kind: Service
      metadata:
        name: hello
        namespace: default
        creationTimestamp: "2026-01-01T00:00:00Z"
        resourceVersion: "3"
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
        latestCreatedRevisionName: hello-00001
        latestReadyRevisionName: hello-00001
        traffic:
          - {revisionName: hello-00001, latestRevision: true, percent: 100}
        conditions:
          - {type: Ready, status: "True", lastTransitionTime: "2026-01-01T00:00:00Z"}
          - {type: ConfigurationsReady, status: "True"}
          - {type: RoutesReady, status: "True"}
      ---
      apiVersion: serving.knative.dev/v1
      kind: Revision
      metadata:
        name: hello-00001
        namespace: default
        creationTimestamp: "2026-01-01T00:00:00Z"
        labels:
          serving.knative.dev/service: hello
          serving.knative.dev/configuration: hello
          serving.knative.dev/configurationGeneration: "1"
      spec:
        containerConcurrency: 10
        containers:
          - command: ["app"]
      status:
        conditions:
          - {type: Ready, status: "True"}
      ---
      apiVersion: serving.knative.dev/v1
      kind: Route
      metadata:
        name: hello
        namespace: default
        creationTimestamp: "2026-01-01T00:00:00Z"
      spec:
        traffic:
          - {revisionName: hello-00001, percent: 100}
      status:
        url: http://hello.default.localhost:8080
        conditions:
          - {type: Ready, status: "True"}
      """;

  /**
   * The calls, each after {@code --server URL} and before {@code --engine local} (so that nothing
   * reaches a cluster that {@code COLDBREW_ENGINE} may name); {@code FILE} stands for a manifest
   * file, {@code TOKEN} for a token file.
   */
  static final List<List<String>> CALLS =
      List.of(
          List.of("service", "list"),
          List.of("--token-file", "TOKEN", "service", "list"),
          List.of("ksvc", "ls", "-A"),
          List.of("revision", "list"),
          List.of("route", "list"),
          List.of("domain", "list"),
          List.of("get", "ksvc"),
          List.of("get", "rev", "-o", "yaml"),
          List.of("get", "ksvc", "hello", "-o", "json"),
          List.of("service", "describe", "hello"),
          List.of("describe", "ksvc", "hello"),
          List.of(
              "service",
              "create",
              "x",
              "--cmd",
              "app",
              "--arg",
              "a",
              "-e",
              "K=V",
              "--scale",
              "1..3",
              "--no-wait"),
          List.of("apply", "-f", "FILE"),
          List.of("service", "delete", "hello"));

  @Override
  public Integer call() throws Exception {
    ClientWarmUp.start();
    // through an encoder, as a call's output to a terminal or a pipe goes
    PrintWriter sink =
        new PrintWriter(
            new OutputStreamWriter(OutputStream.nullOutputStream(), StandardCharsets.UTF_8));
    CommandLine all = Main.commandLine();
    all.setOut(sink).setErr(sink);
    all.getUsageMessage();
    List<Resource> held = new ArrayList<>();
    for (var doc : ResourceCodec.split(RESOURCES)) {
      held.add(ResourceCodec.fromStoredJson(ResourceCodec.toJson(ResourceCodec.decode(doc))));
    }
    Path dir = Files.createTempDirectory("coldbrew-cds-training-");
    Path manifest = dir.resolve("hello.yaml");
    Path token = dir.resolve("admin-token");
    List<String> failed = new ArrayList<>();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread answering = new Thread(() -> serve(server, held), "cds-training-server");
      answering.setDaemon(true);
      answering.start();
      Files.writeString(manifest, RESOURCES.substring(0, RESOURCES.indexOf("---")));
      Files.writeString(token, "t\n");
      String url = "http://127.0.0.1:" + server.getLocalPort();
      for (List<String> call : CALLS) {
        List<String> args = new ArrayList<>(List.of("--server", url));
        for (String a : call) {
          args.add(
              a.equals("FILE") ? manifest.toString() : a.equals("TOKEN") ? token.toString() : a);
        }
        args.addAll(List.of("--engine", "local"));
        String[] argv = args.toArray(String[]::new);
        int code = Main.commandLine(argv).setOut(sink).setErr(sink).execute(argv);
        if (code != 0) {
          failed.add(String.join(" ", call) + " (exit " + code + ")");
        }
      }
    } finally {
      Files.deleteIfExists(manifest);
      Files.deleteIfExists(token);
      Files.deleteIfExists(dir);
    }
    // what ConcurrentHashMap loads when two threads update one at once, as a call's two may
    ThreadLocalRandom.current().nextInt();
    // the usage error and the unreachable server
    String[] typo = {"service", "lst"};
    Main.commandLine(typo).setOut(sink).setErr(sink).execute(typo);
    try {
      new ApiClient("http://127.0.0.1:1", null, "nowhere").list(Kind.SERVICE, "default");
    } catch (ApiException expected) {
      sink.print(expected.getMessage());
    }
    if (!failed.isEmpty()) {
      System.err.println("cds-training: calls that failed: " + String.join("; ", failed));
      return 1;
    }
    return 0;
  }

  /** Answers requests, one connection at a time, until {@code server} is closed. */
  private static void serve(ServerSocket server, List<Resource> held) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        answer(s, held);
      } catch (IOException e) {
        // closed, or a call gave up on its connection: the next one goes on
      }
    }
  }

  /**
   * One request as the admin API answers it: lists and gets of the held resources (404 for others),
   * creates, updates and applies echoed back, deletes accepted.
   */
  private static void answer(Socket s, List<Resource> held) throws IOException {
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (head.indexOf("\r\n\r\n") < 0) {
      int b = in.read();
      if (b < 0) {
        return;
      }
      head.append((char) b);
    }
    String[] requestLine = head.substring(0, head.indexOf("\r\n")).split(" ");
    String method = requestLine[0];
    String path = requestLine[1].replaceFirst("\\?.*", "");
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
    int status = 200;
    String extra = "";
    String out;
    switch (method) {
      case "POST" -> {
        status = 201;
        out = body;
      }
      case "PUT" -> out = body;
      case "PATCH" -> {
        out = body;
        extra = "Coldbrew-Apply-Outcome: created\r\nWarning: 299 - \"a warning\"\r\n";
      }
      case "DELETE" -> out = "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Success\"}";
      default -> {
        out = get(path, held);
        if (out == null) {
          status = 404;
          out =
              "{\"apiVersion\":\"v1\",\"kind\":\"Status\",\"status\":\"Failure\","
                  + "\"reason\":\"NotFound\",\"code\":404,\"message\":\"not found\"}";
        }
      }
    }
    byte[] bytes = out.getBytes(StandardCharsets.UTF_8);
    // lists come chunked, as the admin API streams them; other answers with their length
    boolean chunked = method.equals("GET") && status == 200 && out.contains("\"items\":");
    OutputStream o = s.getOutputStream();
    o.write(
        ("HTTP/1.1 "
                + status
                + " X\r\nContent-Type: application/json\r\n"
                + (chunked
                    ? "Transfer-Encoding: chunked\r\n"
                    : "Content-Length: " + bytes.length + "\r\n")
                + extra
                + "Connection: close\r\n\r\n"
                + (chunked ? Integer.toHexString(bytes.length) + "\r\n" : ""))
            .getBytes(StandardCharsets.ISO_8859_1));
    o.write(bytes);
    if (chunked) {
      o.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    o.flush();
  }

  /** The JSON of a GET: a list of the held resources of a collection, one of them, or null. */
  private static String get(String path, List<Resource> held) {
    for (Kind kind : Kind.values()) {
      String ns = kind.collectionPath("default");
      String every = kind.collectionPath("x").replace("/namespaces/x", "");
      if (path.equals(ns) || path.equals(every)) {
        List<JsonNode> items = new ArrayList<>();
        for (Resource r : held) {
          if (r.resourceKind() == kind) {
            items.add(ResourceCodec.toTree(r));
          }
        }
        return "{\"apiVersion\":\""
            + kind.apiVersion()
            + "\",\"kind\":\""
            + kind.kindName()
            + "List\",\"metadata\":{\"resourceVersion\":\"3\"},\"items\":"
            + ResourceCodec.toJson(items)
            + "}";
      }
      if (path.startsWith(ns + "/")) {
        String name = path.substring(ns.length() + 1);
        for (Resource r : held) {
          if (r.resourceKind() == kind && r.metadata.name.equals(name)) {
            return ResourceCodec.toJson(r);
          }
        }
        return null;
      }
    }
    return null;
  }
}
