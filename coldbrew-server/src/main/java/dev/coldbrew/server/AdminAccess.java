package dev.coldbrew.server;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who may use the admin API, checked on every request before anything else: the {@code Host} must
 * name this machine (against DNS rebinding), a browser request must come from the admin API's own
 * origin (against cross-site requests), the caller must present the bearer token (or, for reads, a
 * dashboard session cookie), and writes must carry a manifest media type (so no HTML form or
 * "simple" cross-origin request can write).
 *
 * <p>Dashboard sessions start from one-time login links: {@link #newLoginLink()} mints one (at
 * start-up, and for {@code coldbrew dashboard} through {@code POST /login} with the token); {@code
 * GET /login?once=…} redeems it once within {@link #LINK_LIFETIME} and sets an {@code HttpOnly},
 * {@code SameSite=Strict} cookie valid for {@link #SESSION_LIFETIME}. Links and sessions live in
 * memory (a restart logs everyone out) and are kept as SHA-256 digests, so a lookup's timing says
 * nothing about a secret. Thread-safe.
 */
public final class AdminAccess {
  /** How long a login link may wait to be opened. */
  public static final Duration LINK_LIFETIME = Duration.ofMinutes(5);

  /** How long a dashboard session lasts after login. */
  public static final Duration SESSION_LIFETIME = Duration.ofHours(12);

  /** Outstanding links and sessions kept at most; the oldest go first beyond that. */
  static final int MAX_LINKS = 100;

  static final int MAX_SESSIONS = 1000;

  /** The media types a write may carry: what the CLI and kubectl send. */
  static final Set<String> MANIFEST_TYPES =
      Set.of(
          "application/json",
          "application/yaml",
          "application/x-yaml",
          "application/apply-patch+yaml",
          "application/apply-patch+json");

  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] token;
  private final Set<String> allowedHosts;
  private final Clock clock;
  private final Map<String, Long> links = new ConcurrentHashMap<>();
  private final Map<String, Long> sessions = new ConcurrentHashMap<>();
  private volatile String cookieName = "coldbrew-session";

  /**
   * @param token the bearer token (from {@link AdminToken})
   * @param allowedHosts the host names and addresses a {@code Host} header may name, canonical (see
   *     {@link #allowedHosts})
   */
  public AdminAccess(String token, Set<String> allowedHosts, Clock clock) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the admin token is required");
    }
    this.token = token.getBytes(StandardCharsets.UTF_8);
    this.allowedHosts = Set.copyOf(allowedHosts);
    this.clock = clock;
  }

  /** The session cookie is named after the port, so platforms on one host keep their own. */
  void boundTo(int port) {
    cookieName = "coldbrew-session-" + port;
  }

  String cookieName() {
    return cookieName;
  }

  /**
   * The hosts a request may name: {@code localhost}, {@code 127.0.0.1}, {@code ::1} and the bind
   * address; for a wildcard bind ({@code 0.0.0.0}, {@code ::}) also every address of this machine's
   * interfaces and its host name; plus {@code extra} (the config's {@code admin-allowed-hosts}).
   */
  public static Set<String> allowedHosts(String bindAddress, Collection<String> extra) {
    Set<String> out = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1"));
    for (String h : extra) {
      out.add(canonical(h));
    }
    String bind = bindAddress.trim();
    InetAddress bound;
    try {
      bound = InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      return out; // checked at start-up before this is called
    }
    if (!isLiteral(bind)) {
      out.add(canonical(bind));
    }
    out.add(canonical(bound));
    if (bound.isAnyLocalAddress()) {
      try {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
          for (InetAddress a : Collections.list(ni.getInetAddresses())) {
            out.add(canonical(a));
          }
        }
      } catch (java.net.SocketException e) {
        // no interface list: loopback names and the configured hosts still work
      }
      try {
        out.add(canonical(InetAddress.getLocalHost().getHostName()));
      } catch (UnknownHostException e) {
        // no resolvable host name
      }
    }
    return out;
  }

  private static boolean isLiteral(String host) {
    return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
  }

  /** A name lower-cased without a final dot, or an address in Java's full textual form. */
  static String canonical(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.indexOf(':') >= 0) {
      try {
        // bracketed, getByName parses an IPv6 literal and never asks DNS
        return canonical(InetAddress.getByName("[" + h + "]"));
      } catch (UnknownHostException e) {
        return h;
      }
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  private static String canonical(InetAddress a) {
    String s = a.getHostAddress();
    int scope = s.indexOf('%');
    s = scope < 0 ? s : s.substring(0, scope);
    return a instanceof Inet6Address ? s.toLowerCase(Locale.ROOT) : s;
  }

  /**
   * Host, Origin and {@code Sec-Fetch-Site}: null when the request may go on, else the refusal.
   * Needs no token, so it runs first.
   */
  ApiStatus checkOrigin(HttpServerRequest req) {
    List<String> hosts = req.headers().getAll("Host");
    if (hosts.size() != 1) {
      return ApiStatus.of(
          400, "BadRequest", "expected exactly one Host header, got " + hosts.size());
    }
    String hostHeader = hosts.get(0);
    String host = hostOf(hostHeader);
    if (host == null) {
      return ApiStatus.of(
          400, "BadRequest", "malformed Host header: \"" + printable(hostHeader) + "\"");
    }
    if (!allowedHosts.contains(canonical(host))) {
      return ApiStatus.of(
          421,
          "MisdirectedRequest",
          "Host \""
              + printable(hostHeader)
              + "\" is not this admin API (allowed: localhost, 127.0.0.1, [::1], the bind address,"
              + " and the config's coldbrew.admin-allowed-hosts)");
    }
    String site = req.getHeader("Sec-Fetch-Site");
    if (site != null
        && (site.equalsIgnoreCase("cross-site") || site.equalsIgnoreCase("same-site"))) {
      return ApiStatus.of(
          403,
          "Forbidden",
          "requests from other sites are refused (Sec-Fetch-Site: " + printable(site) + ")");
    }
    List<String> origins = req.headers().getAll("Origin");
    if (!origins.isEmpty()) {
      String origin = origins.get(0);
      if (origins.size() > 1 || !sameOrigin(origin, hostHeader)) {
        return ApiStatus.of(
            403,
            "Forbidden",
            "requests from other origins are refused (Origin: "
                + printable(origin)
                + ", this API is http://"
                + printable(hostHeader)
                + ")");
      }
    }
    return null;
  }

  /** The host of a Host header value ({@code name[:port]}, {@code [v6][:port]}), or null. */
  static String hostOf(String value) {
    String v = value.trim();
    String host;
    String port;
    if (v.startsWith("[")) {
      int close = v.indexOf(']');
      if (close < 0) {
        return null;
      }
      host = v.substring(0, close + 1);
      String rest = v.substring(close + 1);
      if (!rest.isEmpty() && !rest.startsWith(":")) {
        return null;
      }
      port = rest.isEmpty() ? null : rest.substring(1);
      if (!host.substring(1, host.length() - 1).matches("[0-9a-fA-F:.]+")) {
        return null;
      }
    } else {
      int colon = v.indexOf(':');
      host = colon < 0 ? v : v.substring(0, colon);
      port = colon < 0 ? null : v.substring(colon + 1);
      if (!host.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9.])?")) {
        return null;
      }
    }
    if (port != null && !port.matches("[0-9]{1,5}")) {
      return null;
    }
    return host;
  }

  private static boolean sameOrigin(String origin, String hostHeader) {
    String o = origin.trim().toLowerCase(Locale.ROOT);
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    return o.equals("http://" + h) || o.equals("https://" + h);
  }

  /** The bearer token, or (for GET and HEAD) a live dashboard session. */
  boolean authenticated(HttpServerRequest req) {
    String h = req.getHeader("Authorization");
    if (h != null) {
      return h.regionMatches(true, 0, "Bearer ", 0, 7)
          && MessageDigest.isEqual(h.substring(7).trim().getBytes(StandardCharsets.UTF_8), token);
    }
    HttpMethod m = req.method();
    if (!m.equals(HttpMethod.GET) && !m.equals(HttpMethod.HEAD)) {
      return false;
    }
    io.vertx.core.http.Cookie c = req.getCookie(cookieName);
    return c != null && sessionLive(c.getValue());
  }

  /** Whether {@code session} is a session that has not expired. */
  boolean sessionLive(String session) {
    return live(sessions, session, false);
  }

  /**
   * A write (POST, PUT, PATCH) must declare a manifest media type; a DELETE may carry none. Null
   * when acceptable, else the 415.
   */
  static ApiStatus checkContentType(HttpServerRequest req) {
    HttpMethod m = req.method();
    if (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS)) {
      return null;
    }
    String ct = req.getHeader("Content-Type");
    if (ct == null && m.equals(HttpMethod.DELETE)) {
      return null;
    }
    if (ct != null) {
      int semi = ct.indexOf(';');
      String type = (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
      if (MANIFEST_TYPES.contains(type)) {
        return null;
      }
    }
    return ApiStatus.of(
        415,
        "UnsupportedMediaType",
        m
            + " needs Content-Type application/json, application/yaml or"
            + " application/apply-patch+yaml|json, not "
            + (ct == null ? "none" : "\"" + printable(ct) + "\""));
  }

  /** A new one-time login secret (for {@code /login?once=}). */
  public String newLoginLink() {
    String secret = randomHex();
    put(links, secret, LINK_LIFETIME, MAX_LINKS);
    return secret;
  }

  /**
   * Redeems a login secret: a new session id, or null when the secret is unknown, used or expired.
   */
  String redeem(String once) {
    if (once == null || !live(links, once, true)) {
      return null;
    }
    String session = randomHex();
    put(sessions, session, SESSION_LIFETIME, MAX_SESSIONS);
    return session;
  }

  /** The {@code Set-Cookie} value for a new session. */
  String sessionCookie(String session) {
    return cookieName
        + "="
        + session
        + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
        + SESSION_LIFETIME.toSeconds();
  }

  private boolean live(Map<String, Long> secrets, String presented, boolean consume) {
    String key = digest(presented);
    Long expires = consume ? secrets.remove(key) : secrets.get(key);
    if (expires == null) {
      return false;
    }
    if (expires < clock.millis()) {
      secrets.remove(key);
      return false;
    }
    return true;
  }

  private void put(Map<String, Long> secrets, String secret, Duration lifetime, int max) {
    long now = clock.millis();
    if (secrets.size() >= max) {
      secrets.values().removeIf(expires -> expires < now);
      while (secrets.size() >= max) {
        secrets.entrySet().stream()
            .min(Map.Entry.comparingByValue())
            .ifPresent(e -> secrets.remove(e.getKey()));
      }
    }
    secrets.put(digest(secret), now + lifetime.toMillis());
  }

  private static String randomHex() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  private static String digest(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** At most 100 characters, control characters shown as {@code ?}, for messages. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), 100));
    for (int i = 0; i < s.length() && i < 100; i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return s.length() > 100 ? b + "…" : b.toString();
  }
}
