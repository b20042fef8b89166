package dev.coldbrew.dataplane;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The gateway's header rules, applied in place to Netty's decoded heads (nothing is copied). Toward
 * the instance: hop-by-hop headers (and those the {@code Connection} header names, except {@code
 * Content-Length}, which frames the body) are dropped, client-sent {@code Knative-Serving-*} and
 * {@code K-*} headers are dropped in any spelling with {@code _} for {@code -} (only the platform
 * may set them, and some servers read {@code _} as {@code -}), {@code Expect} is dropped (the
 * gateway answers {@code 100-continue} itself), {@code Host} stays as sent (an absolute-form
 * target's authority replaces it), {@code X-Forwarded-For} and {@code Forwarded} get the client
 * appended and {@code X-Forwarded-Proto} is set; every other header passes as sent. {@code
 * Transfer-Encoding: chunked}, the one coding the gateway accepts, stays: the body is forwarded
 * chunked. Toward the client: hop-by-hop headers are dropped.
 *
 * <p>A request head is walked once ({@link #scan}) into a per-connection {@link RequestScan}, which
 * the gateway's checks read and {@link #rewriteRequest} then uses to touch only the headers that
 * need it: a plain request gets its three forwarding headers and nothing else. Names are compared
 * case-insensitively without allocating. Stateless apart from the configured hop-by-hop names;
 * thread-safe.
 */
final class Headers {
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString FORWARDED = AsciiString.cached("forwarded");
  static final AsciiString COLD_START = AsciiString.cached("Coldbrew-Cold-Start");
  private static final AsciiString HTTP = AsciiString.cached("http");

  /** The hop-by-hop names, lower case; bit i of {@link RequestScan#hopByHop} is name i. */
  private final AsciiString[] hopByHop;

  /** Bit {@code min(length, 63)} is set for each hop-by-hop name: most names skip the list. */
  private final long hopByHopLengths;

  /** The bits of {@code transfer-encoding}: a request keeps it, as its value frames the body. */
  private final long transferEncodingBits;

  /** The bits of {@code connection} and {@code upgrade}: a WebSocket's 101 keeps them. */
  private final long upgradeBits;

  Headers(Collection<String> hopByHop) {
    if (hopByHop.size() > 64) {
      throw new IllegalArgumentException(
          "hopByHopHeaders: " + hopByHop.size() + " names (expected: at most 64)");
    }
    this.hopByHop = new AsciiString[hopByHop.size()];
    long lengths = 0;
    long te = 0;
    long upgrade = 0;
    int i = 0;
    for (String name : hopByHop) {
      AsciiString lower = AsciiString.cached(name.toLowerCase(java.util.Locale.ROOT));
      if (lower.contentEquals(HttpHeaderNames.TRANSFER_ENCODING)) {
        te |= 1L << i;
      }
      if (lower.contentEquals(HttpHeaderNames.CONNECTION)
          || lower.contentEquals(HttpHeaderNames.UPGRADE)) {
        upgrade |= 1L << i;
      }
      this.hopByHop[i++] = lower;
      lengths |= 1L << Math.min(name.length(), 63);
    }
    this.hopByHopLengths = lengths;
    this.transferEncodingBits = te;
    this.upgradeBits = upgrade;
  }

  /**
   * What one request head holds, as far as the gateway's rules care: counted in one walk, reused
   * for every request of a connection. Confined to the connection's event loop.
   */
  static final class RequestScan {
    /** The first value of each of these headers, or null: read during the walk, not looked up. */
    String host;

    String contentLength;
    String transferEncoding;
    String expect;
    String upgrade;

    int hosts;
    int transferEncodings;
    int expects;
    int forwardedFor;
    int forwarded;
    boolean connectionClose;
    boolean keepAlive;

    /** {@code Connection} lists a name besides close, keep-alive and content-length. */
    boolean connectionNames;

    /** A {@code K-*} or {@code Knative-Serving-*} header is present. */
    boolean internal;

    /** Bit i: the hop-by-hop name i is present. */
    long hopByHop;

    void clear() {
      host = null;
      contentLength = null;
      transferEncoding = null;
      expect = null;
      upgrade = null;
      hosts = 0;
      transferEncodings = 0;
      expects = 0;
      forwardedFor = 0;
      forwarded = 0;
      connectionClose = false;
      keepAlive = false;
      connectionNames = false;
      internal = false;
      hopByHop = 0;
    }
  }

  /** Walks a request's headers once into {@code s}. */
  void scan(HttpHeaders headers, RequestScan s) {
    s.clear();
    Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      int n = name.length();
      switch (n) {
        case 4 -> {
          if (is(name, HttpHeaderNames.HOST) && s.hosts++ == 0) {
            s.host = e.getValue().toString();
          }
        }
        case 6 -> {
          if (is(name, HttpHeaderNames.EXPECT) && s.expects++ == 0) {
            s.expect = e.getValue().toString();
          }
        }
        case 7 -> {
          if (s.upgrade == null && is(name, HttpHeaderNames.UPGRADE)) {
            s.upgrade = e.getValue().toString();
          }
        }
        case 9 -> {
          if (is(name, FORWARDED)) {
            s.forwarded++;
          }
        }
        case 10 -> {
          if (is(name, HttpHeaderNames.CONNECTION)) {
            String value = e.getValue().toString();
            s.connectionClose |= hasToken(value, "close");
            s.keepAlive |= hasToken(value, "keep-alive");
            s.connectionNames |= connectionTokens(value) != null;
          }
        }
        case 14 -> {
          if (s.contentLength == null && is(name, HttpHeaderNames.CONTENT_LENGTH)) {
            s.contentLength = e.getValue().toString();
          }
        }
        case 15 -> {
          if (is(name, X_FORWARDED_FOR)) {
            s.forwardedFor++;
          }
        }
        case 17 -> {
          if (is(name, HttpHeaderNames.TRANSFER_ENCODING) && s.transferEncodings++ == 0) {
            s.transferEncoding = e.getValue().toString();
          }
        }
        default -> {}
      }
      s.hopByHop |= hopByHopBit(name);
      s.internal |= isInternal(name);
    }
  }

  /**
   * Rewrites a scanned request head for the instance.
   *
   * @param authority the absolute-form target's authority, which replaces {@code Host}; null to
   *     keep {@code Host} as sent
   * @param upgrade the {@code Upgrade} value to forward for a WebSocket; null for any other request
   * @param client the client's address, as {@code X-Forwarded-For} gets it
   * @param forwardedNode {@code for=<client>;proto=http}, as {@code Forwarded} gets it
   */
  void rewriteRequest(
      HttpHeaders h,
      RequestScan s,
      String authority,
      String upgrade,
      String client,
      String forwardedNode) {
    if (s.connectionNames) {
      removeConnectionNamed(h);
    }
    // the accepted Transfer-Encoding (exactly "chunked") frames the forwarded body
    removeHopByHop(h, s.hopByHop & ~transferEncodingBits);
    if (s.internal) {
      List<CharSequence> internal = new ArrayList<>(2);
      h.iteratorCharSequence()
          .forEachRemaining(
              e -> {
                if (isInternal(e.getKey())) {
                  internal.add(e.getKey());
                }
              });
      internal.forEach(h::remove);
    }
    if (s.expects > 0) {
      h.remove(HttpHeaderNames.EXPECT);
    }
    if (authority != null) {
      h.set(HttpHeaderNames.HOST, authority);
    }
    if (s.forwardedFor == 0) {
      h.add(X_FORWARDED_FOR, client);
    } else {
      h.set(X_FORWARDED_FOR, String.join(", ", h.getAll(X_FORWARDED_FOR)) + ", " + client);
    }
    h.set(X_FORWARDED_PROTO, HTTP);
    if (s.forwarded == 0) {
      h.add(FORWARDED, forwardedNode);
    } else {
      h.set(FORWARDED, String.join(", ", h.getAll(FORWARDED)) + ", " + forwardedNode);
    }
    if (upgrade != null) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      h.set(HttpHeaderNames.UPGRADE, upgrade);
    }
  }

  /** {@link #rewriteResponse} saw a {@code Content-Length}. */
  static final int HAS_LENGTH = 1;

  /** {@link #rewriteResponse} saw {@code Connection: close}. */
  static final int CLOSE = 2;

  /** {@link #rewriteResponse} saw {@code Connection: keep-alive}. */
  static final int KEEP_ALIVE = 4;

  /**
   * Drops the hop-by-hop headers of an instance's response, and those its {@code Connection} names;
   * a WebSocket's 101 keeps {@code Connection} and {@code Upgrade}. Returns what it saw on the way,
   * as {@link #HAS_LENGTH}, {@link #CLOSE} and {@link #KEEP_ALIVE} bits.
   */
  int rewriteResponse(HttpHeaders h, boolean upgraded) {
    long found = 0;
    boolean named = false;
    int seen = 0;
    Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
    while (it.hasNext()) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      CharSequence name = e.getKey();
      found |= hopByHopBit(name);
      if (is(name, HttpHeaderNames.CONNECTION)) {
        String value = e.getValue().toString();
        seen |= hasToken(value, "close") ? CLOSE : 0;
        seen |= hasToken(value, "keep-alive") ? KEEP_ALIVE : 0;
        named |= connectionTokens(value) != null;
      } else if (is(name, HttpHeaderNames.CONTENT_LENGTH)) {
        seen |= HAS_LENGTH;
      }
    }
    if (named) {
      removeConnectionNamed(h);
    }
    removeHopByHop(h, upgraded ? found & ~upgradeBits : found);
    return seen;
  }

  /** Removes the headers that the {@code Connection} values name. */
  private static void removeConnectionNamed(HttpHeaders h) {
    for (String value : h.getAll(HttpHeaderNames.CONNECTION)) {
      List<String> named = connectionTokens(value);
      if (named != null) {
        named.forEach(h::remove);
      }
    }
  }

  /** Removes hop-by-hop name i for each bit i set in {@code bits}. */
  private void removeHopByHop(HttpHeaders h, long bits) {
    for (long b = bits; b != 0; b &= b - 1) {
      h.remove(hopByHop[Long.numberOfTrailingZeros(b)]);
    }
  }

  /** The bit of the hop-by-hop name {@code name} is, or 0. */
  private long hopByHopBit(CharSequence name) {
    if ((hopByHopLengths & (1L << Math.min(name.length(), 63))) == 0) {
      return 0;
    }
    for (int i = 0; i < hopByHop.length; i++) {
      if (is(name, hopByHop[i])) {
        return 1L << i;
      }
    }
    return 0;
  }

  private static boolean is(CharSequence name, AsciiString lowerCase) {
    return name.length() == lowerCase.length()
        && AsciiString.contentEqualsIgnoreCase(name, lowerCase);
  }

  /**
   * {@code Knative-Serving-*} or {@code K-*}, with {@code _} or {@code -} anywhere in those
   * prefixes: set only by the platform.
   */
  static boolean isInternal(CharSequence name) {
    int n = name.length();
    if (n > 2 && (name.charAt(0) | 0x20) == 'k' && isDash(name.charAt(1))) {
      return true;
    }
    if (n <= 16 || (name.charAt(0) | 0x20) != 'k') {
      return false;
    }
    return regionMatches(name, 1, "native")
        && isDash(name.charAt(7))
        && regionMatches(name, 8, "serving")
        && isDash(name.charAt(15));
  }

  private static boolean regionMatches(CharSequence s, int from, String lowerCase) {
    for (int i = 0; i < lowerCase.length(); i++) {
      if ((s.charAt(from + i) | 0x20) != lowerCase.charAt(i)) {
        return false;
      }
    }
    return true;
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
   * The header names a {@code Connection} value lists, besides {@code close}, {@code keep-alive},
   * {@code upgrade} and {@code content-length} (the body it frames is forwarded, so its length must
   * be); null if none (the usual case, decided without splitting).
   */
  static List<String> connectionTokens(String connection) {
    if (connection.equalsIgnoreCase("keep-alive")
        || connection.equalsIgnoreCase("close")
        || connection.equalsIgnoreCase("upgrade")) {
      return null;
    }
    List<String> tokens = null;
    for (String t : connection.split(",")) {
      String token = t.trim();
      if (!token.isEmpty()
          && !token.equalsIgnoreCase("close")
          && !token.equalsIgnoreCase("keep-alive")
          && !token.equalsIgnoreCase("upgrade")
          && !token.equalsIgnoreCase("content-length")) {
        if (tokens == null) {
          tokens = new ArrayList<>(2);
        }
        tokens.add(token);
      }
    }
    return tokens;
  }
}
