package dev.coldbrew.kubernetes;

import dev.coldbrew.api.model.Kind;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.EnumMap;
import java.util.Map;

/**
 * Where Coldbrew's kinds live on a Kubernetes API server. Knative's groups ({@code
 * serving.knative.dev}, {@code autoscaling.internal.knative.dev}, {@code
 * networking.internal.knative.dev}) become the same names under {@code coldbrew.dev}, so a cluster
 * can run Knative beside Coldbrew; kinds, versions, plurals and field names stay Knative's.
 * Endpoints stay core {@code v1}. The rest of Coldbrew keeps speaking Knative apiVersions: the
 * store translates on the way in and out with {@link #toCluster} and {@link #fromCluster}.
 * Stateless.
 */
public final class ClusterKinds {
  /** Knative's group → ours; no other group is translated. */
  private static final Map<String, String> TO_CLUSTER =
      Map.of(
          "serving.knative.dev", "serving.coldbrew.dev",
          "autoscaling.internal.knative.dev", "autoscaling.internal.coldbrew.dev",
          "networking.internal.knative.dev", "networking.internal.coldbrew.dev");

  private static final Map<String, String> FROM_CLUSTER =
      Map.of(
          "serving.coldbrew.dev", "serving.knative.dev",
          "autoscaling.internal.coldbrew.dev", "autoscaling.internal.knative.dev",
          "networking.internal.coldbrew.dev", "networking.internal.knative.dev");

  private static final Map<Kind, ResourceDefinitionContext> CONTEXTS = new EnumMap<>(Kind.class);

  static {
    for (Kind k : Kind.values()) {
      CONTEXTS.put(
          k,
          new ResourceDefinitionContext.Builder()
              .withGroup(group(k))
              .withVersion(k.version())
              .withPlural(k.plural())
              .withKind(k.kindName())
              .withNamespaced(true)
              .build());
    }
  }

  private ClusterKinds() {}

  /** The API group of {@code kind} on the cluster ({@code ""} for core Endpoints). */
  public static String group(Kind kind) {
    return TO_CLUSTER.getOrDefault(kind.group(), kind.group());
  }

  /** {@code group/version} of {@code kind} on the cluster. */
  public static String apiVersion(Kind kind) {
    return toCluster(kind.apiVersion());
  }

  /** True for the kinds defined by our CRDs (all but Endpoints). */
  public static boolean isCustom(Kind kind) {
    return kind != Kind.ENDPOINTS;
  }

  /** True when the kind has a status subresource. */
  public static boolean hasStatus(Kind kind) {
    return isCustom(kind);
  }

  /** The CRD's name, {@code <plural>.<group>}. */
  public static String crdName(Kind kind) {
    return kind.plural() + "." + group(kind);
  }

  /** fabric8's description of the kind's REST resource. */
  public static ResourceDefinitionContext context(Kind kind) {
    return CONTEXTS.get(kind);
  }

  /** A Knative apiVersion (or any other, unchanged) as it is on the cluster. */
  public static String toCluster(String apiVersion) {
    return swapGroup(apiVersion, TO_CLUSTER);
  }

  /** A cluster apiVersion of ours back to Knative's (any other unchanged). */
  public static String fromCluster(String apiVersion) {
    return swapGroup(apiVersion, FROM_CLUSTER);
  }

  /** Swaps the group of {@code group/version} when {@code groups} has it. */
  private static String swapGroup(String apiVersion, Map<String, String> groups) {
    if (apiVersion == null) {
      return null;
    }
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? null : groups.get(apiVersion.substring(0, slash));
    return group == null ? apiVersion : group + apiVersion.substring(slash);
  }
}
