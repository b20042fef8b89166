package dev.coldbrew.dataplane;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * The gateway's header rules. Toward the instance: hop-by-hop headers (and those the {@code
 * Connection} header names, except {@code Content-Length}, which frames the body) are dropped,
 * client-sent {@code Knative-Serving-*} and {@code K-*} headers are dropped in any spelling with
 * {@code _} for {@code -} (only the platform may set them, and some servers read {@code _} as
 * {@code -}), {@code Expect} is dropped (the gateway answers {@code 100-continue} itself), {@code
 * Host} travels as the request's authority, {@code X-Forwarded-For} and {@code Forwarded} get the
 * client appended and {@code X-Forwarded-Proto} is set; every other header passes as sent. Toward
 * the client: hop-by-hop headers are dropped. Stateless; name checks are case-insensitive and
 * allocate nothing. The client's headers are walked with {@link MultiMap#forEach(BiConsumer)}:
 * Vert.x's server-side header map does that without allocating, where its iterator wraps every
 * entry.
 */
final class Headers {
  private final TreeSet<String> hopByHop = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

  /** Bit {@code min(length, 63)} is set for each hop-by-hop name: most names skip the set. */
  private final long hopByHopLengths;

  Headers(Collection<String> hopByHop) {
    this.hopByHop.addAll(hopByHop);
    long lengths = 0;
    for (String name : hopByHop) {
      lengths |= 1L << Math.min(name.length(), 63);
    }
    this.hopByHopLengths = lengths;
  }

  /** Copies the client's headers to the instance request. */
  void copyRequest(HttpServerRequest req, MultiMap to, boolean webSocket) {
    MultiMap from = req.headers();
    RequestCopy copy = new RequestCopy(to, connectionTokens(from.get(HttpHeaders.CONNECTION)));
    from.forEach(copy);
    String xff = copy.xff;
    String forwarded = copy.forwarded;
    if (webSocket) {
      to.set("connection", "Upgrade");
      to.set("upgrade", from.get(HttpHeaders.UPGRADE));
    }
    String client = req.remoteAddress() == null ? "unknown" : req.remoteAddress().hostAddress();
    to.set("x-forwarded-for", xff == null ? client : xff + ", " + client);
    to.set("x-forwarded-proto", "http");
    String node = client.indexOf(':') >= 0 ? "\"[" + client + "]\"" : client;
    String ours = "for=" + node + ";proto=http";
    to.set("forwarded", forwarded == null ? ours : forwarded + ", " + ours);
  }

  /** One request's copy: what passes goes to {@code to}; the forwarding headers are collected. */
  private final class RequestCopy implements BiConsumer<String, String> {
    private final MultiMap to;
    private final TreeSet<String> named;
    String xff;
    String forwarded;

    RequestCopy(MultiMap to, TreeSet<String> named) {
      this.to = to;
      this.named = named;
    }

    @Override
    public void accept(String name, String value) {
      if (isHopByHop(name, named)
          || isInternal(name)
          || name.equalsIgnoreCase("host")
          || name.equalsIgnoreCase("expect")
          || name.equalsIgnoreCase("x-forwarded-proto")) {
        return;
      }
      if (name.equalsIgnoreCase("x-forwarded-for")) {
        xff = xff == null ? value : xff + ", " + value;
        return;
      }
      if (name.equalsIgnoreCase("forwarded")) {
        forwarded = forwarded == null ? value : forwarded + ", " + value;
        return;
      }
      to.add(name, value);
    }
  }

  /**
   * Copies the instance's response headers to the client. A plain loop: the client response's
   * header map has no allocation-free {@code forEach}, and its iterator inlines well.
   */
  void copyResponse(MultiMap from, MultiMap to, boolean webSocket) {
    TreeSet<String> named = connectionTokens(from.get(HttpHeaders.CONNECTION));
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
    return ((hopByHopLengths & (1L << Math.min(name.length(), 63))) != 0 && hopByHop.contains(name))
        || (named != null && named.contains(name));
  }

  /**
   * {@code Knative-Serving-*} or {@code K-*}, with {@code _} or {@code -} anywhere in those
   * prefixes: set only by the platform.
   */
  static boolean isInternal(String name) {
    int n = name.length();
    if (n > 2 && (name.charAt(0) | 0x20) == 'k' && isDash(name.charAt(1))) {
      return true;
    }
    if (n <= 16 || (name.charAt(0) | 0x20) != 'k') {
      return false;
    }
    return name.regionMatches(true, 1, "native", 0, 6)
        && isDash(name.charAt(7))
        && name.regionMatches(true, 8, "serving", 0, 7)
        && isDash(name.charAt(15));
  }

  private static boolean isDash(char c) {
    return c == '-' || c == '_';
  }

  /**
   * Whether a comma-separated header value lists {@code token} (case-insensitive), without
   * allocating.
   */
  static boolean hasToken(String value, String token) {
    int n = value.length();
    int i = 0;
    while (i < n) {
      while (i < n
          && (value.charAt(i) == ' ' || value.charAt(i) == '\t' || value.charAt(i) == ',')) {
        i++;
      }
      int start = i;
      while (i < n && value.charAt(i) != ',') {
        i++;
      }
      int end = i;
      while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
        end--;
      }
      if (end - start == token.length()
          && value.regionMatches(true, start, token, 0, end - start)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The header names a {@code Connection} value lists, besides {@code close}, {@code keep-alive}
   * and {@code content-length} (the body it frames is forwarded, so its length must be); null if
   * none (the usual case, decided without splitting).
   */
  private static TreeSet<String> connectionTokens(String connection) {
    if (connection == null
        || connection.equalsIgnoreCase("keep-alive")
        || connection.equalsIgnoreCase("close")) {
      return null;
    }
    TreeSet<String> tokens = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    for (String t : connection.split(",")) {
      String token = t.trim();
      if (!token.isEmpty()
          && !token.equalsIgnoreCase("close")
          && !token.equalsIgnoreCase("keep-alive")
          && !token.equalsIgnoreCase("content-length")) {
        tokens.add(token);
      }
    }
    return tokens.isEmpty() ? null : tokens;
  }
}
