package dev.coldbrew.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The CLI's client for the admin API: Kubernetes-shaped paths, JSON bodies, the bearer token on
 * every request, errors decoded from the Kubernetes {@code Status} object into {@link ApiException}
 * (a 401 says where the token came from, or where it was looked for). Thread-safe.
 */
public final class ApiClient {
  /** Where the admin API listens unless {@code --server} or {@code COLDBREW_SERVER} says. */
  public static final String DEFAULT_SERVER = "http://127.0.0.1:8081";

  private final URI server;
  private final String token;
  private final String tokenSource;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade: follow streams must not stall
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /**
   * @param token the bearer token, or null when none was found
   * @param tokenSource where the token came from, or (when null) where it was looked for
   */
  public ApiClient(String server, String token, String tokenSource) {
    String s = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    this.server = URI.create(s);
    this.token = token;
    this.tokenSource = tokenSource;
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
    String p =
        namespace == null
            ? kind.collectionPath("x").replace("/namespaces/x", "")
            : kind.collectionPath(namespace);
    JsonNode list = send("GET", p, null);
    List<T> out = new ArrayList<>();
    for (JsonNode item : list.path("items")) {
      out.add(decode(item));
    }
    return out;
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
    HttpRequest.Builder req =
        request(path(kind, ns, name) + "?fieldManager=coldbrew")
            .header("Content-Type", "application/apply-patch+json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString(doc.toString()));
    HttpResponse<String> resp = exchange(req.build());
    JsonNode body = check(resp);
    String outcome = resp.headers().firstValue("Coldbrew-Apply-Outcome").orElse("configured");
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
    HttpResponse<String> resp = exchange(request(pathAndQuery).GET().build());
    check(resp);
    return resp.body();
  }

  /** A raw GET streaming lines to {@code sink} until the server closes (log follow). */
  public void stream(String pathAndQuery, java.util.function.Consumer<String> sink) {
    try {
      HttpResponse<java.util.stream.Stream<String>> resp =
          http.send(request(pathAndQuery).GET().build(), HttpResponse.BodyHandlers.ofLines());
      if (resp.statusCode() >= 300) {
        if (resp.statusCode() == 401) {
          throw unauthorized();
        }
        throw new ApiException(resp.statusCode(), "Error", "HTTP " + resp.statusCode(), List.of());
      }
      resp.body().forEach(sink);
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(0, "Interrupted", "interrupted", List.of());
    }
  }

  /** A new one-time dashboard login URL ({@code POST /login}). */
  public String loginUrl() {
    HttpRequest req =
        request("/login")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return check(exchange(req)).path("url").asText();
  }

  /** What {@link #apply} did. */
  public record ApplyResult(Resource resource, String outcome) {}

  private static String path(Kind kind, String namespace, String name) {
    return kind.collectionPath(namespace) + "/" + URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  private static String body(Resource r) {
    return ResourceCodec.toJson(r);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Resource> T decode(JsonNode node) {
    return (T) ResourceCodec.fromStoredJson(node.toString());
  }

  private JsonNode send(String method, String path, String body) {
    HttpRequest.Builder req = request(path);
    if (body != null) {
      req.header("Content-Type", "application/json");
    }
    req.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return check(exchange(req.build()));
  }

  private HttpRequest.Builder request(String pathAndQuery) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(server.resolve(pathAndQuery)).timeout(Duration.ofSeconds(60));
    if (token != null && !token.isBlank()) {
      b.header("Authorization", "Bearer " + token.trim());
    }
    return b;
  }

  private HttpResponse<String> exchange(HttpRequest req) {
    try {
      return http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(0, "Interrupted", "interrupted", List.of());
    }
  }

  private ApiException unreachable(IOException e) {
    String why = e instanceof ConnectException ? "connection refused" : String.valueOf(e);
    return new ApiException(
        0,
        "Unreachable",
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

  private JsonNode check(HttpResponse<String> resp) {
    if (resp.statusCode() == 401) {
      throw unauthorized();
    }
    JsonNode body;
    try {
      body = resp.body().isEmpty() ? null : ResourceCodec.json().readTree(resp.body());
    } catch (IOException e) {
      body = null;
    }
    if (resp.statusCode() < 300) {
      return body;
    }
    if (body != null && "Status".equals(body.path("kind").asText())) {
      List<String> causes = new ArrayList<>();
      for (JsonNode c : body.path("details").path("causes")) {
        String field = c.path("field").asText("");
        causes.add(
            field.isEmpty()
                ? c.path("message").asText()
                : field + ": " + c.path("message").asText());
      }
      throw new ApiException(
          resp.statusCode(), body.path("reason").asText(), body.path("message").asText(), causes);
    }
    throw new ApiException(
        resp.statusCode(), "Error", "HTTP " + resp.statusCode() + ": " + resp.body(), List.of());
  }
}
