package dev.coldbrew.api.validation;

import java.util.regex.Pattern;

/** Kubernetes name syntaxes. Thread-safe (stateless). */
public final class Names {
  static final String DNS1035_EXPECTED =
      "a DNS-1035 label: at most 63 lowercase letters, digits and '-', starting with a letter and"
          + " ending with a letter or digit";
  static final String DNS1123_EXPECTED =
      "a DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a"
          + " letter or digit";

  private static final Pattern DNS1035 = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1035_PREFIX = Pattern.compile("[a-z][-a-z0-9]*");
  private static final Pattern DNS1123 = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern QUALIFIED_NAME =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");

  private Names() {}

  static boolean isDns1035Label(String s) {
    return s.length() <= 63 && DNS1035.matcher(s).matches();
  }

  /** A generateName: a DNS-1035 label prefix, to which 5 random characters are added. */
  static boolean isDns1035Prefix(String s) {
    return s.length() <= 58 && DNS1035_PREFIX.matcher(s).matches();
  }

  static boolean isDns1123Label(String s) {
    return s.length() <= 63 && DNS1123.matcher(s).matches();
  }

  /** What {@link #isDns1123Subdomain} accepts, for errors. */
  public static final String DNS1123_SUBDOMAIN_EXPECTED =
      "a lowercase DNS-1123 name: letters, digits, '-' and '.', at most 253";

  /** A namespace or resource name in general (what names a log directory, for one). */
  public static boolean isDns1123Subdomain(String s) {
    return s.length() <= 253 && DNS1123_SUBDOMAIN.matcher(s).matches();
  }

  /** What {@link #isDomain} accepts, for errors. */
  static final String DOMAIN_EXPECTED =
      "a fully qualified domain name: two or more DNS-1123 labels (at most 63 lowercase letters,"
          + " digits and '-', starting and ending with a letter or digit) joined by '.', at most"
          + " 253 characters, such as www.example.com";

  /** A DNS name: a DNS-1123 subdomain each of whose labels has at most 63 characters. */
  public static boolean isDnsName(String s) {
    if (!isDns1123Subdomain(s)) {
      return false;
    }
    for (String label : s.split("\\.")) {
      if (label.length() > 63) {
        return false;
      }
    }
    return true;
  }

  /** A fully qualified domain name, as Kubernetes' {@code IsFullyQualifiedDomainName}. */
  static boolean isDomain(String s) {
    return s.indexOf('.') >= 0 && isDnsName(s);
  }

  /** A label or annotation key: an optional DNS-1123 subdomain prefix and "/", then a name. */
  static boolean isQualifiedName(String s) {
    int slash = s.indexOf('/');
    String name = slash < 0 ? s : s.substring(slash + 1);
    if (slash >= 0) {
      String prefix = s.substring(0, slash);
      if (prefix.isEmpty()
          || prefix.length() > 253
          || !DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
        return false;
      }
    }
    return name.length() <= 63 && QUALIFIED_NAME.matcher(name).matches();
  }

  /** A label value: empty, or at most 63 chars of the qualified-name syntax. */
  static boolean isLabelValue(String s) {
    return s.isEmpty() || (s.length() <= 63 && QUALIFIED_NAME.matcher(s).matches());
  }

  static boolean isEnvName(String s) {
    return ENV_NAME.matcher(s).matches();
  }

  static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
