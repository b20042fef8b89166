package dev.coldbrew.dataplane;

/**
 * Checks a request's {@code Host} and request target before anything is routed or forwarded. A host
 * is a reg-name of unreserved and sub-delimiter characters (no percent-encoding: no route is named
 * that way) or a bracketed IP literal, with an optional port of at most 65535. A target is
 * origin-form ({@code /path?query}), absolute-form with the {@code http} scheme and no userinfo
 * (RFC 9112 §3.2.2: its authority replaces the {@code Host} header for routing and toward the app,
 * which gets the origin-form), or {@code *} for {@code OPTIONS}; authority-form ({@code CONNECT})
 * and any target with a control byte or space are refused. Stateless; the checks walk the strings
 * once.
 */
final class RequestTarget {
  private RequestTarget() {}

  /**
   * A request's authority: the host as sent (bracketed for an IP literal) and the port, -1 when
   * none was given.
   */
  record Authority(String host, int port) {}

  /**
   * The authority a {@code Host} value (or an absolute-form authority) names, or null if it is not
   * a valid {@code host [":" port]}.
   */
  static Authority authority(String value) {
    if (value == null) {
      return null;
    }
    int n = value.length();
    int end = hostEnd(value, 0, n);
    if (end <= 0) {
      return null;
    }
    if (end == n) {
      return new Authority(value, -1);
    }
    if (value.charAt(end) != ':') {
      return null;
    }
    int port = port(value, end + 1, n);
    if (port == -2) {
      return null;
    }
    return new Authority(value.substring(0, end), port);
  }

  /** Where a host starting at {@code from} ends; -1 if it is malformed. */
  private static int hostEnd(String s, int from, int to) {
    if (from < to && s.charAt(from) == '[') {
      int i = from + 1;
      while (i < to && s.charAt(i) != ']') {
        char c = s.charAt(i);
        if (!(isHex(c) || c == ':' || c == '.')) {
          return -1;
        }
        i++;
      }
      return i < to && i > from + 1 ? i + 1 : -1;
    }
    int i = from;
    while (i < to && isRegNameChar(s.charAt(i))) {
      i++;
    }
    return i;
  }

  /** The port in {@code [from, to)}: -1 when empty, -2 when not 0..65535. */
  private static int port(String s, int from, int to) {
    if (from == to) {
      return -1;
    }
    if (to - from > 5) {
      return -2;
    }
    int port = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -2;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65535 ? port : -2;
  }

  private static boolean isRegNameChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~'
        || c == '!'
        || c == '$'
        || c == '&'
        || c == '\''
        || c == '('
        || c == ')'
        || c == '*'
        || c == '+'
        || c == ','
        || c == ';'
        || c == '=';
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /** Whether the target has a byte below {@code !} (controls, space) or DEL. */
  static boolean hasControl(String target) {
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= ' ' || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  /** Whether the target is absolute-form (starts with a scheme and {@code ://}). */
  static boolean isAbsolute(String target) {
    return !target.isEmpty() && target.charAt(0) != '/' && target.indexOf("://") > 0;
  }

  /** Where an absolute-form {@code http://} target's authority ends; -1 if it is not one. */
  static int absoluteAuthorityEnd(String target) {
    if (!target.regionMatches(true, 0, "http://", 0, 7)) {
      return -1;
    }
    int i = 7;
    while (i < target.length()) {
      char c = target.charAt(i);
      if (c == '/' || c == '?') {
        break;
      }
      if (c == '@' || c == '#') {
        return -1; // userinfo is not sent in http URIs (RFC 9110 §4.2.4); fragments never are
      }
      i++;
    }
    return i > 7 ? i : -1;
  }

  /** The origin-form of an absolute-form target whose authority ends at {@code end}. */
  static String originForm(String target, int end) {
    if (end == target.length()) {
      return "/";
    }
    return target.charAt(end) == '?' ? "/" + target.substring(end) : target.substring(end);
  }
}
