package dev.coldbrew.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The CLI's client for the admin API: Kubernetes-shaped paths, JSON bodies, the bearer token on
 * every request, errors decoded from the Kubernetes {@code Status} object into {@link ApiException}
 * (a 401 says where the token came from, or where it was looked for), and the {@code Warning}
 * headers of the answers passed to a sink (the CLI prints them). Thread-safe.
 */
public final class ApiClient {
  /** Where the admin API listens unless {@code --server} or {@code COLDBREW_SERVER} says. */
  public static final String DEFAULT_SERVER = "http://127.0.0.1:8081";

  /**
   * The {@link ApiException#reason()} when nothing listens at the server's address (connection
   * refused): the platform is not running there.
   */
  public static final String CONNECTION_REFUSED = "ConnectionRefused";

  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
  private static final int READ_TIMEOUT_MILLIS = 60_000;

  private final URI server;
  private final String token;
  private final String tokenSource;
  private final HttpTransport http;
  private volatile Consumer<String> warnings = w -> {};

  /**
   * @param token the bearer token, or null when none was found
   * @param tokenSource where the token came from, or (when null) where it was looked for
   */
  public ApiClient(String server, String token, String tokenSource) {
    String s = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    this.server = URI.create(s);
    this.token = token;
    this.tokenSource = tokenSource;
    this.http = new HttpTransport(this.server, CONNECT_TIMEOUT_MILLIS);
  }

  /** Where the admin API's warnings ({@code Warning} headers' texts) go from now on. */
  public ApiClient onWarning(Consumer<String> sink) {
    this.warnings = sink;
    return this;
  }

  /** The admin API's base URL. */
  public URI server() {
    return server;
  }

  /** GET one resource; empty if it does not exist. */
  public <T extends Resource> Optional<T> get(Kind kind, String namespace, String name) {
    try {
      return Optional.of(decode(send("GET", path(kind, namespace, name), null)));
    } catch (ApiException e) {
      if (e.code() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** GET a list; {@code namespace} null lists every namespace. */
  public <T extends Resource> List<T> list(Kind kind, String namespace) {
    return this.<T>listWithVersion(kind, namespace).items();
  }

  /** A list and the collection's resourceVersion, to watch from. */
  public record Listed<T extends Resource>(List<T> items, String resourceVersion) {}

  /** GET a list with its resourceVersion; {@code namespace} null lists every namespace. */
  public <T extends Resource> Listed<T> listWithVersion(Kind kind, String namespace) {
    JsonNode list = send("GET", collection(kind, namespace), null);
    List<T> out = new ArrayList<>();
    for (JsonNode item : list.path("items")) {
      out.add(decode(item));
    }
    return new Listed<>(out, list.path("metadata").path("resourceVersion").asText(""));
  }

  /** One change a watch saw: ADDED, MODIFIED or DELETED and the resource after it. */
  public record Change(String type, Resource resource, String resourceVersion) {}

  /**
   * Watches a collection from {@code resourceVersion} (Kubernetes' {@code ?watch=true}), passing
   * each change to {@code sink} until the server ends the stream; returns the last resourceVersion
   * seen, to watch on from. A watch the server can no longer continue (410 Gone: too far behind)
   * throws {@link ApiException} with code 410: list again.
   */
  public String watch(Kind kind, String namespace, String resourceVersion, Consumer<Change> sink) {
    String path =
        collection(kind, namespace)
            + "?watch=true&resourceVersion="
            + URLEncoder.encode(resourceVersion, StandardCharsets.UTF_8);
    String[] last = {resourceVersion};
    stream(
        path,
        line -> {
          if (line.isBlank()) {
            return;
          }
          JsonNode e = parse(line);
          String type = e.path("type").asText();
          JsonNode obj = e.path("object");
          String rv = obj.path("metadata").path("resourceVersion").asText("");
          switch (type) {
            case "ADDED", "MODIFIED", "DELETED" -> {
              sink.accept(new Change(type, decode(obj), rv));
              last[0] = rv;
            }
            case "BOOKMARK" -> last[0] = rv.isEmpty() ? last[0] : rv;
            case "ERROR" ->
                throw new ApiException(
                    obj.path("code").asInt(500),
                    obj.path("reason").asText("Error"),
                    obj.path("message").asText("the watch failed"),
                    List.of());
            default -> {
              // an event type of a newer server: skipped
            }
          }
        });
    return last[0];
  }

  /** POST: create. */
  public <T extends Resource> T create(Resource r) {
    return decode(send("POST", r.resourceKind().collectionPath(r.metadata.namespace), body(r)));
  }

  /** PUT: update, with the resourceVersion the object carries (stale → 409). */
  public <T extends Resource> T update(Resource r) {
    return decode(
        send("PUT", path(r.resourceKind(), r.metadata.namespace, r.metadata.name), body(r)));
  }

  /** Create or update from a manifest document; returns the result and what happened. */
  public ApplyResult apply(ObjectNode doc, String namespace) {
    Kind kind = ResourceCodec.kindOf(doc);
    String ns = doc.path("metadata").path("namespace").asText(namespace);
    String name = doc.path("metadata").path("name").asText("");
    Answer a =
        exchange(
            "PATCH",
            path(kind, ns, name) + "?fieldManager=coldbrew",
            doc.toString(),
            "application/apply-patch+json");
    JsonNode body = check(a);
    String outcome = a.outcome == null ? "configured" : a.outcome;
    return new ApplyResult(decode(body), outcome);
  }

  /** DELETE; false if it did not exist. */
  public boolean delete(Kind kind, String namespace, String name) {
    try {
      send("DELETE", path(kind, namespace, name), null);
      return true;
    } catch (ApiException e) {
      if (e.code() == 404) {
        return false;
      }
      throw e;
    }
  }

  /** A raw GET returning text (logs, metrics). */
  public String getText(String pathAndQuery) {
    Answer a = exchange("GET", pathAndQuery, null, null);
    check(a);
    return a.body;
  }

  /** A raw GET streaming lines to {@code sink} until the server closes (log follow, watches). */
  public void stream(String pathAndQuery, Consumer<String> sink) {
    try (HttpTransport.Response resp = http.send("GET", pathAndQuery, 0, null, authorization())) {
      warn(resp);
      if (resp.status() >= 300) {
        check(new Answer(resp.status(), resp.text(), null));
      }
      BufferedReader in =
          new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        sink.accept(line);
      }
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /** A new one-time dashboard login URL ({@code POST /login}). */
  public String loginUrl() {
    return check(exchange("POST", "/login", "", "application/json")).path("url").asText();
  }

  /** What {@link #apply} did. */
  public record ApplyResult(Resource resource, String outcome) {}

  private static String path(Kind kind, String namespace, String name) {
    return kind.collectionPath(namespace) + "/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  private static String collection(Kind kind, String namespace) {
    return namespace == null
        ? kind.collectionPath("x").replace("/namespaces/x", "")
        : kind.collectionPath(namespace);
  }

  private static String body(Resource r) {
    return ResourceCodec.toJson(r);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Resource> T decode(JsonNode node) {
    return (T) ResourceCodec.fromStoredTree(node);
  }

  private JsonNode send(String method, String path, String body) {
    return check(exchange(method, path, body, body == null ? null : "application/json"));
  }

  /** A whole answer: status, body text, and the apply outcome header. */
  private record Answer(int status, String body, String outcome) {}

  private String[] authorization() {
    return token != null && !token.isBlank()
        ? new String[] {"Authorization", "Bearer " + token.trim()}
        : new String[0];
  }

  private Answer exchange(String method, String pathAndQuery, String body, String contentType) {
    List<String> headers = new ArrayList<>(List.of(authorization()));
    if (contentType != null) {
      headers.add("Content-Type");
      headers.add(contentType);
    }
    byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
    try (HttpTransport.Response resp =
        http.send(
            method, pathAndQuery, READ_TIMEOUT_MILLIS, bytes, headers.toArray(String[]::new))) {
      warn(resp);
      return new Answer(resp.status(), resp.text(), resp.header("Coldbrew-Apply-Outcome"));
    } catch (IOException e) {
      throw unreachable(e);
    }
  }

  /** Passes on each {@code Warning: 299 - "text"} of an answer. */
  private void warn(HttpTransport.Response resp) {
    for (String w : resp.headers("Warning")) {
      warnings.accept(warningText(w));
    }
  }

  /** The text of a {@code Warning} header ({@code 299 - "text"}), unquoted. */
  static String warningText(String header) {
    int q = header.indexOf('"');
    if (q < 0 || header.length() < q + 2 || !header.endsWith("\"")) {
      return header;
    }
    StringBuilder text = new StringBuilder();
    for (int i = q + 1; i < header.length() - 1; i++) {
      char c = header.charAt(i);
      if (c == '\\' && i + 1 < header.length() - 1) {
        c = header.charAt(++i);
      }
      text.append(c);
    }
    return text.toString();
  }

  private static JsonNode parse(String json) {
    try {
      return ResourceCodec.json().readTree(json);
    } catch (IOException e) {
      throw new ApiException(0, "BadResponse", "not JSON from the API: " + json, List.of());
    }
  }

  private ApiException unreachable(IOException e) {
    String why;
    if (e instanceof UnknownHostException) {
      why = "the host " + server.getHost() + " could not be resolved";
    } else if (e instanceof ConnectException) {
      why = "connection refused";
    } else if (e instanceof SocketTimeoutException) {
      why = "no answer in time";
    } else if (e instanceof InterruptedIOException) {
      why = "interrupted";
    } else {
      why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return new ApiException(
        0,
        e instanceof ConnectException ? CONNECTION_REFUSED : "Unreachable",
        "cannot reach the Coldbrew API at "
            + server
            + " ("
            + why
            + "); is `coldbrew serve` running? (set --server or COLDBREW_SERVER)",
        List.of());
  }

  /** A 401: which token was refused, or where none was found, and what to do. */
  private ApiException unauthorized() {
    String msg =
        token == null
            ? "the admin API at "
                + server
                + " needs a token and none was found (looked in "
                + tokenSource
                + "); run the CLI as the user who started `coldbrew serve` on this machine, or set"
                + " COLDBREW_TOKEN or --token-file to the serve data dir's admin-token"
            : "the admin API at "
                + server
                + " refused the token from "
                + tokenSource
                + "; `coldbrew serve` writes a new one to <data-dir>/admin-token at every start:"
                + " use the current one (COLDBREW_TOKEN or --token-file)";
    return new ApiException(401, "Unauthorized", msg, List.of());
  }

  private JsonNode check(Answer resp) {
    if (resp.status() == 401) {
      throw unauthorized();
    }
    JsonNode body;
    try {
      body = resp.body().isEmpty() ? null : ResourceCodec.json().readTree(resp.body());
    } catch (IOException e) {
      body = null;
    }
    if (resp.status() < 300) {
      return body;
    }
    if (body != null && "Status".equals(body.path("kind").asText())) {
      List<ApiException.Cause> causes = new ArrayList<>();
      for (JsonNode c : body.path("details").path("causes")) {
        causes.add(new ApiException.Cause(c.path("field").asText(""), c.path("message").asText()));
      }
      throw new ApiException(
          resp.status(), body.path("reason").asText(), body.path("message").asText(), causes);
    }
    throw new ApiException(
        resp.status(), "Error", "HTTP " + resp.status() + ": " + resp.body(), List.of());
  }
}
