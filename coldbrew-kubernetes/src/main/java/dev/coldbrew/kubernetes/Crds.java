package dev.coldbrew.kubernetes;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Status;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CustomResourceDefinitions of Coldbrew's kinds, as Knative defines its own: the same kinds,
 * versions, plurals and printer columns (so {@code kubectl get cbsks} shows the MODE column), in
 * our groups, with a status subresource, our own short names ({@code cbsvc}, {@code cbrev}, …,
 * never Knative's) and the categories {@code coldbrew} and {@code coldbrew-internal}. The schemas
 * are structural and keep unknown fields in {@code spec} and {@code status}: Coldbrew validates
 * resources itself (on apply and in the reconcilers), like the embedded engine does.
 *
 * <p>The YAML under {@code crds/} in this module's resources is what {@link #yaml} prints, checked
 * by a golden test; users install it with {@code kubectl apply -f}. Stateless.
 */
public final class Crds {
  /** The resource holding every CRD, for {@code kubectl apply -f}. */
  public static final String INSTALL_FILE = "crds/coldbrew-crds.yaml";

  private static final String READY =
      ".status.conditions[?(@.type=='" + Status.READY + "')].status";
  private static final String REASON =
      ".status.conditions[?(@.type=='" + Status.READY + "')].reason";

  private Crds() {}

  /** The kinds that have a CRD, in install order. */
  public static List<Kind> kinds() {
    List<Kind> out = new ArrayList<>();
    for (Kind k : Kind.values()) {
      if (ClusterKinds.isCustom(k)) {
        out.add(k);
      }
    }
    return out;
  }

  /** The CRD of {@code kind}. */
  public static CustomResourceDefinition of(Kind kind) {
    if (!ClusterKinds.isCustom(kind)) {
      throw new IllegalArgumentException(kind.kindName() + " is a core kind, not a CRD");
    }
    boolean user = kind.isUserKind();
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "coldbrew");
    labels.put("coldbrew.dev/crd-install", "true");
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName(ClusterKinds.crdName(kind))
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withGroup(ClusterKinds.group(kind))
        .withScope("Namespaced")
        .withNewNames()
        .withKind(kind.kindName())
        .withPlural(kind.plural())
        .withSingular(kind.kindName().toLowerCase(java.util.Locale.ROOT))
        .withShortNames(shortName(kind))
        .withCategories(user ? List.of("all", "coldbrew") : List.of("coldbrew-internal"))
        .endNames()
        .addNewVersion()
        .withName(kind.version())
        .withServed(true)
        .withStorage(true)
        .withNewSubresources()
        .withNewStatus()
        .endStatus()
        .endSubresources()
        .withNewSchema()
        .withOpenAPIV3Schema(schema())
        .endSchema()
        .withAdditionalPrinterColumns(columns(kind))
        .endVersion()
        .endSpec()
        .build();
  }

  /** Every CRD as one multi-document YAML file. */
  public static String yaml() {
    StringBuilder sb = new StringBuilder();
    for (Kind k : kinds()) {
      sb.append(yaml(k));
    }
    return sb.toString();
  }

  /** One CRD as a YAML document (starting with {@code ---}). */
  public static String yaml(Kind kind) {
    String y = new KubernetesSerialization().asYaml(of(kind));
    return y.startsWith("---") ? y : "---\n" + y;
  }

  /** The file name of one CRD under {@code crds/}. */
  public static String fileName(Kind kind) {
    return ClusterKinds.crdName(kind) + ".yaml";
  }

  private static String shortName(Kind kind) {
    return switch (kind) {
      case SERVICE -> "cbsvc";
      case CONFIGURATION -> "cbcfg";
      case REVISION -> "cbrev";
      case ROUTE -> "cbrt";
      case DOMAIN_MAPPING -> "cbdm";
      case POD_AUTOSCALER -> "cbpa";
      case SERVERLESS_SERVICE -> "cbsks";
      case ENDPOINTS -> throw new IllegalArgumentException("Endpoints have no CRD");
    };
  }

  private static JSONSchemaProps schema() {
    JSONSchemaProps open =
        new JSONSchemaPropsBuilder()
            .withType("object")
            .withXKubernetesPreserveUnknownFields(true)
            .build();
    return new JSONSchemaPropsBuilder()
        .withType("object")
        .addToProperties("apiVersion", new JSONSchemaPropsBuilder().withType("string").build())
        .addToProperties("kind", new JSONSchemaPropsBuilder().withType("string").build())
        .addToProperties("metadata", new JSONSchemaPropsBuilder().withType("object").build())
        .addToProperties("spec", open)
        .addToProperties("status", open)
        .build();
  }

  private static List<CustomResourceColumnDefinition> columns(Kind kind) {
    List<CustomResourceColumnDefinition> c = new ArrayList<>();
    switch (kind) {
      case SERVICE -> {
        c.add(column("URL", "string", ".status.url"));
        c.add(column("LatestCreated", "string", ".status.latestCreatedRevisionName"));
        c.add(column("LatestReady", "string", ".status.latestReadyRevisionName"));
      }
      case CONFIGURATION -> {
        c.add(column("LatestCreated", "string", ".status.latestCreatedRevisionName"));
        c.add(column("LatestReady", "string", ".status.latestReadyRevisionName"));
      }
      case REVISION -> {
        c.add(
            column(
                "Config Name",
                "string",
                ".metadata.labels['serving\\.knative\\.dev/configuration']"));
        c.add(
            column(
                "Generation",
                "string",
                ".metadata.labels['serving\\.knative\\.dev/configurationGeneration']"));
      }
      case ROUTE, DOMAIN_MAPPING -> c.add(column("URL", "string", ".status.url"));
      case POD_AUTOSCALER -> {
        c.add(column("DesiredScale", "integer", ".status.desiredScale"));
        c.add(column("ActualScale", "integer", ".status.actualScale"));
      }
      case SERVERLESS_SERVICE -> {
        c.add(column("Mode", "string", ".spec.mode"));
        c.add(column("Activators", "integer", ".spec.numActivators"));
        c.add(column("ServiceName", "string", ".status.serviceName"));
        c.add(column("PrivateServiceName", "string", ".status.privateServiceName"));
      }
      default -> throw new IllegalArgumentException(kind.kindName() + " has no CRD");
    }
    c.add(column("Ready", "string", READY));
    c.add(column("Reason", "string", REASON));
    if (kind == Kind.REVISION) {
      c.add(column("Actual Replicas", "integer", ".status.actualReplicas"));
      c.add(column("Desired Replicas", "integer", ".status.desiredReplicas"));
    }
    return c;
  }

  private static CustomResourceColumnDefinition column(String name, String type, String path) {
    CustomResourceColumnDefinition d = new CustomResourceColumnDefinition();
    d.setName(name);
    d.setType(type);
    d.setJsonPath(path);
    return d;
  }
}
