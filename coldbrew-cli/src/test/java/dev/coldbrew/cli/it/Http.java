package dev.coldbrew.cli.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Requests to the gateway (by Host header) and reads of the admin API, for the e2e tests. */
final class Http {
  static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private Http() {}

  /** GET {@code path} on the gateway for {@code host}, with extra headers as name/value pairs. */
  static HttpResponse<String> get(Platform p, String host, String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.httpPort + path))
            .timeout(Duration.ofSeconds(120))
            .header("Host", host);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A resource from the admin API (with the token), or empty on 404. */
  static Optional<JsonNode> resource(Platform p, String path)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        CLIENT.send(p.adminRequest(path).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    if (r.statusCode() != 200) {
      throw new AssertionError(path + ": " + r.statusCode() + " " + r.body());
    }
    return Optional.of(JSON.readTree(r.body()));
  }

  /** The SKS mode of a revision. */
  static String sksMode(Platform p, String rev) throws IOException, InterruptedException {
    return resource(
            p,
            "/apis/networking.internal.knative.dev/v1alpha1/namespaces/default/serverlessservices/"
                + rev)
        .map(n -> n.path("spec").path("mode").asText())
        .orElse("");
  }

  /** {@code ip:port} of each address in an Endpoints object. */
  static List<String> endpoints(Platform p, String name) throws IOException, InterruptedException {
    List<String> out = new ArrayList<>();
    resource(p, "/api/v1/namespaces/default/endpoints/" + name)
        .ifPresent(
            ep -> {
              for (JsonNode s : ep.path("subsets")) {
                for (JsonNode a : s.path("addresses")) {
                  out.add(
                      a.path("ip").asText() + ":" + s.path("ports").path(0).path("port").asText());
                }
              }
            });
    return out;
  }

  /** A condition's status on a resource, or "". */
  static String condition(JsonNode r, String type) {
    for (JsonNode c : r.path("status").path("conditions")) {
      if (type.equals(c.path("type").asText())) {
        return c.path("status").asText();
      }
    }
    return "";
  }
}
