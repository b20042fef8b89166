package dev.coldbrew.dataplane;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;

/**
 * The gateway's header rules. Toward the instance: hop-by-hop headers (and those the {@code
 * Connection} header names) are dropped, client-sent {@code Knative-Serving-*} and {@code K-*}
 * headers are dropped (only the platform may set them), {@code Host} travels as the request's
 * authority, {@code X-Forwarded-For} and {@code Forwarded} get the client appended and {@code
 * X-Forwarded-Proto} is set; every other header passes as sent. Toward the client: hop-by-hop
 * headers are dropped. Stateless; name checks are case-insensitive and allocate nothing.
 */
final class Headers {
  private final TreeSet<String> hopByHop = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

  Headers(Collection<String> hopByHop) {
    this.hopByHop.addAll(hopByHop);
  }

  /** Copies the client's headers to the instance request. */
  void copyRequest(HttpServerRequest req, MultiMap to, boolean webSocket) {
    MultiMap from = req.headers();
    String connection = from.get("connection");
    TreeSet<String> named = connection == null ? null : connectionTokens(connection);
    String xff = null;
    String forwarded = null;
    for (Map.Entry<String, String> e : from) {
      String name = e.getKey();
      if (isHopByHop(name, named)
          || isInternal(name)
          || name.equalsIgnoreCase("host")
          || name.equalsIgnoreCase("x-forwarded-proto")) {
        continue;
      }
      if (name.equalsIgnoreCase("x-forwarded-for")) {
        xff = xff == null ? e.getValue() : xff + ", " + e.getValue();
        continue;
      }
      if (name.equalsIgnoreCase("forwarded")) {
        forwarded = forwarded == null ? e.getValue() : forwarded + ", " + e.getValue();
        continue;
      }
      to.add(name, e.getValue());
    }
    if (webSocket) {
      to.set("connection", "Upgrade");
      to.set("upgrade", from.get("upgrade"));
    }
    String client = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
    to.set("x-forwarded-for", xff == null ? client : xff + ", " + client);
    to.set("x-forwarded-proto", "http");
    String node = client.indexOf(':') >= 0 ? "\"[" + client + "]\"" : client;
    String ours = "for=" + node + ";proto=http";
    to.set("forwarded", forwarded == null ? ours : forwarded + ", " + ours);
  }

  /** Copies the instance's response headers to the client. */
  void copyResponse(MultiMap from, MultiMap to, boolean webSocket) {
    String connection = from.get("connection");
    TreeSet<String> named = connection == null ? null : connectionTokens(connection);
    for (Map.Entry<String, String> e : from) {
      String name = e.getKey();
      if (webSocket && (name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("upgrade"))) {
        to.add(name, e.getValue());
        continue;
      }
      if (!isHopByHop(name, named)) {
        to.add(name, e.getValue());
      }
    }
  }

  private boolean isHopByHop(String name, TreeSet<String> named) {
    return hopByHop.contains(name) || (named != null && named.contains(name));
  }

  /** {@code Knative-Serving-*} or {@code K-*}: set only by the platform. */
  static boolean isInternal(String name) {
    int n = name.length();
    if (n > 2 && (name.charAt(0) | 0x20) == 'k' && name.charAt(1) == '-') {
      return true;
    }
    return n > 16 && name.regionMatches(true, 0, "knative-serving-", 0, 16);
  }

  private static TreeSet<String> connectionTokens(String connection) {
    TreeSet<String> tokens = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String t : connection.split(",")) {
      String token = t.trim();
      if (!token.isEmpty()
          && !token.equalsIgnoreCase("close")
          && !token.equalsIgnoreCase("keep-alive")) {
        tokens.add(token);
      }
    }
    return tokens;
  }
}
