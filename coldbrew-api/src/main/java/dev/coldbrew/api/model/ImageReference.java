package dev.coldbrew.api.model;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A container image reference as Kubernetes reads it ({@code [domain/]path[:tag][@digest]}, the
 * grammar of the distribution project's {@code reference} package), parsed and normalized: a
 * reference without a domain is on {@code docker.io}, a single-component path there is under {@code
 * library/}, and one without tag or digest means {@code :latest}. Immutable.
 *
 * @param domain the registry, e.g. {@code docker.io}, {@code localhost}, {@code
 *     registry.example.com:5000}
 * @param path the repository path, e.g. {@code library/nginx}
 * @param tag the tag, or null
 * @param digest the digest ({@code sha256:<64 hex>}), or null
 */
public record ImageReference(String domain, String path, String tag, String digest) {
  /** What a malformed reference is reported against. */
  public static final String EXPECTED =
      "an image reference such as nginx:1.25, registry.example.com/team/app:v1 or"
          + " localhost/hello@sha256:<64 hex digits>";

  /** Kubernetes' image pull policies. */
  public static final Set<String> PULL_POLICIES = Set.of("Always", "IfNotPresent", "Never");

  /** Registries that are never pulled from: images built on this machine. */
  public static final String LOCAL_DOMAIN = "localhost";

  private static final String ALNUM = "[a-z0-9]+";
  private static final Pattern PATH_COMPONENT =
      Pattern.compile(ALNUM + "(?:(?:[._]|__|-+)" + ALNUM + ")*");
  private static final String DOMAIN_COMPONENT =
      "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final Pattern DOMAIN =
      Pattern.compile(
          "(?:"
              + DOMAIN_COMPONENT
              + "(?:\\."
              + DOMAIN_COMPONENT
              + ")*|\\[[0-9a-fA-F:]+])"
              + "(?::[0-9]{1,5})?");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern DIGEST =
      Pattern.compile("[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}");
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final int MAX_NAME = 255;

  /**
   * Parses a reference as written in a manifest.
   *
   * @throws IllegalArgumentException saying what is wrong with it
   */
  public static ImageReference parse(String s) {
    if (s == null || s.isEmpty()) {
      throw new IllegalArgumentException("empty");
    }
    String rest = s;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      if (!DIGEST.matcher(digest).matches()
          || (digest.startsWith("sha256:") && !SHA256.matcher(digest).matches())) {
        throw new IllegalArgumentException("bad digest \"" + digest + "\"");
      }
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException("bad tag \"" + tag + "\"");
      }
    }
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("no repository name");
    }
    if (rest.length() > MAX_NAME) {
      throw new IllegalArgumentException("name longer than " + MAX_NAME + " characters");
    }
    String domain = null;
    String path = rest;
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".")
          || first.contains(":")
          || first.equals(LOCAL_DOMAIN)
          || !first.equals(first.toLowerCase(Locale.ROOT))) {
        if (!DOMAIN.matcher(first).matches()) {
          throw new IllegalArgumentException("bad registry \"" + first + "\"");
        }
        domain = first;
        path = rest.substring(slash + 1);
      }
    }
    for (String c : path.split("/", -1)) {
      if (!PATH_COMPONENT.matcher(c).matches()) {
        throw new IllegalArgumentException(
            "bad repository name component \""
                + c
                + "\" (lowercase letters and digits, separated by '.', '_', '__' or '-')");
      }
    }
    if (domain == null) {
      domain = "docker.io";
      if (!path.contains("/")) {
        path = "library/" + path;
      }
    } else if (domain.equals("index.docker.io")) {
      domain = "docker.io";
    }
    return new ImageReference(domain, path, tag, digest);
  }

  /** {@code domain/path}: the repository. */
  public String repository() {
    return domain + "/" + path;
  }

  /** The full reference: {@code domain/path[:tag][@digest]}, {@code :latest} when neither. */
  public String normalized() {
    String t = tag == null && digest == null ? ":latest" : tag == null ? "" : ":" + tag;
    return repository() + t + (digest == null ? "" : "@" + digest);
  }

  /**
   * Kubernetes' default pull policy: {@code Always} for {@code :latest} or no tag, else {@code
   * IfNotPresent}.
   */
  public String defaultPullPolicy() {
    return digest == null && (tag == null || tag.equals("latest")) ? "Always" : "IfNotPresent";
  }

  /** True for images built on this machine ({@code localhost/...}): never pulled. */
  public boolean local() {
    return domain.equals(LOCAL_DOMAIN);
  }

  @Override
  public String toString() {
    return normalized();
  }
}
