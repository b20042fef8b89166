package dev.coldbrew.api.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The kinds Coldbrew serves: Knative's user kinds, its internal autoscaling and networking kinds,
 * and Kubernetes Endpoints. Holds the API group, version, plural and short names used by the admin
 * API paths and the CLI.
 */
public enum Kind {
  SERVICE("serving.knative.dev", "v1", "Service", "services", Service::new, "service", "ksvc"),
  CONFIGURATION(
      "serving.knative.dev",
      "v1",
      "Configuration",
      "configurations",
      Configuration::new,
      "configuration",
      "config",
      "cfg"),
  REVISION("serving.knative.dev", "v1", "Revision", "revisions", Revision::new, "revision", "rev"),
  ROUTE("serving.knative.dev", "v1", "Route", "routes", Route::new, "route", "rt"),
  DOMAIN_MAPPING(
      "serving.knative.dev",
      "v1beta1",
      "DomainMapping",
      "domainmappings",
      DomainMapping::new,
      "domainmapping",
      "dm"),
  POD_AUTOSCALER(
      "autoscaling.internal.knative.dev",
      "v1alpha1",
      "PodAutoscaler",
      "podautoscalers",
      PodAutoscaler::new,
      "podautoscaler",
      "pa",
      "kpa"),
  SERVERLESS_SERVICE(
      "networking.internal.knative.dev",
      "v1alpha1",
      "ServerlessService",
      "serverlessservices",
      ServerlessService::new,
      "serverlessservice",
      "sks"),
  ENDPOINTS("", "v1", "Endpoints", "endpoints", Endpoints::new, "endpoint", "ep");

  /** The group our own kinds live under on Kubernetes; accepted on input as an alias. */
  public static final String COLDBREW_SERVING_GROUP = "serving.coldbrew.dev";

  private final String group;
  private final String version;
  private final String kindName;
  private final String plural;
  private final Supplier<Resource> factory;
  private final List<String> names;

  Kind(
      String group,
      String version,
      String kindName,
      String plural,
      Supplier<Resource> factory,
      String... names) {
    this.group = group;
    this.version = version;
    this.kindName = kindName;
    this.plural = plural;
    this.factory = factory;
    this.names = List.of(names);
  }

  public String group() {
    return group;
  }

  public String version() {
    return version;
  }

  public String kindName() {
    return kindName;
  }

  public String plural() {
    return plural;
  }

  /** {@code group/version}, or just the version for the core group. */
  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** True for the kinds users write; false for the ones the platform derives. */
  public boolean isUserKind() {
    return group.equals("serving.knative.dev");
  }

  /** A new empty resource of this kind. */
  public Resource newResource() {
    return factory.get();
  }

  /** The admin API's collection path in a namespace. */
  public String collectionPath(String namespace) {
    String prefix = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    return prefix + "/namespaces/" + namespace + "/" + plural;
  }

  /**
   * The version a kind was served at before its current one, with the same schema, accepted on
   * input as Knative's conversion does: DomainMapping's {@code v1alpha1}; null for the other kinds.
   */
  public String olderVersion() {
    return this == DOMAIN_MAPPING ? "v1alpha1" : null;
  }

  /**
   * The kind with this {@code kind} field and apiVersion (accepting serving.coldbrew.dev, and the
   * {@link #olderVersion}).
   */
  public static Optional<Kind> of(String apiVersion, String kindName) {
    for (Kind k : values()) {
      if (k.kindName.equals(kindName)
          && (k.apiVersion().equals(apiVersion)
              || (k.isUserKind() && (COLDBREW_SERVING_GROUP + "/" + k.version).equals(apiVersion))
              || (k.olderVersion() != null
                  && (k.group + "/" + k.olderVersion()).equals(apiVersion)))) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  /** The kind a CLI user means by {@code name}: a kind name, plural or short name. */
  public static Optional<Kind> byName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(
            k ->
                k.plural.equals(n)
                    || k.kindName.toLowerCase(Locale.ROOT).equals(n)
                    || k.names.contains(n))
        .findFirst();
  }

  /** The kind served at this API group and plural. */
  public static Optional<Kind> byPath(String group, String version, String plural) {
    return Arrays.stream(values())
        .filter(
            k ->
                k.plural.equals(plural)
                    && k.version.equals(version)
                    && (k.group.equals(group)
                        || (k.isUserKind() && COLDBREW_SERVING_GROUP.equals(group))))
        .findFirst();
  }
}
