package dev.coldbrew.kubernetes;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.ObjectMeta;
import dev.coldbrew.api.model.OwnerReference;
import dev.coldbrew.api.model.Resource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between Coldbrew resources and fabric8's {@link GenericKubernetesResource}: metadata
 * field by field, everything else (spec, status, subsets) as plain maps and lists written and read
 * by Coldbrew's own Jackson 2 codec, so fabric8's Jackson 3 never sees (and never misreads) our
 * classes. apiVersions, including those in owner references, are translated by {@link
 * ClusterKinds}. Fields the API server adds that Coldbrew does not model ({@code managedFields},
 * {@code finalizers}, …) are dropped on the way in; the store carries finalizers over on update.
 * Stateless and thread-safe.
 */
final class ResourceMapping {
  private static final ObjectMapper JSON = ResourceCodec.json();

  /** Lenient about fields we do not model (the server and other clients may add some). */
  private static final Map<Kind, ObjectReader> READERS = new EnumMap<>(Kind.class);

  static {
    for (Kind k : Kind.values()) {
      READERS.put(
          k,
          JSON.readerFor(k.newResource().getClass())
              .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES));
    }
  }

  private ResourceMapping() {}

  /** The resource as the cluster stores it; {@code status} is left out unless asked for. */
  static GenericKubernetesResource toCluster(Resource r, boolean withStatus) {
    Kind kind = r.resourceKind();
    ObjectNode tree = ResourceCodec.toTree(r);
    GenericKubernetesResource g = new GenericKubernetesResource();
    g.setApiVersion(ClusterKinds.apiVersion(kind));
    g.setKind(kind.kindName());
    g.setMetadata(toClusterMeta(r.metadata));
    for (Map.Entry<String, JsonNode> f : tree.properties()) {
      String name = f.getKey();
      if (name.equals("apiVersion")
          || name.equals("kind")
          || name.equals("metadata")
          || (name.equals("status") && !withStatus)) {
        continue;
      }
      g.setAdditionalProperty(name, plain(f.getValue()));
    }
    return g;
  }

  /**
   * The cluster's object as a Coldbrew resource of {@code kind}.
   *
   * @throws IllegalArgumentException if a field has a value our model cannot hold
   */
  static Resource fromCluster(Kind kind, GenericKubernetesResource g) {
    ObjectNode tree = JSON.createObjectNode();
    tree.put("apiVersion", kind.apiVersion());
    tree.put("kind", kind.kindName());
    tree.set("metadata", JSON.valueToTree(fromClusterMeta(g.getMetadata())));
    for (Map.Entry<String, Object> f : g.getAdditionalProperties().entrySet()) {
      tree.set(f.getKey(), JSON.valueToTree(f.getValue()));
    }
    try {
      return READERS.get(kind).readValue(tree);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          kind.kindName()
              + " "
              + g.getMetadata().getNamespace()
              + "/"
              + g.getMetadata().getName()
              + " on the cluster cannot be read: "
              + e.getMessage(),
          e);
    }
  }

  /** A JSON tree as plain maps, lists, strings, numbers and booleans. */
  private static Object plain(JsonNode node) {
    return JSON.convertValue(node, Object.class);
  }

  static io.fabric8.kubernetes.api.model.ObjectMeta toClusterMeta(ObjectMeta m) {
    io.fabric8.kubernetes.api.model.ObjectMeta out =
        new io.fabric8.kubernetes.api.model.ObjectMeta();
    out.setName(m.name);
    out.setGenerateName(m.generateName);
    out.setNamespace(m.namespace);
    out.setUid(m.uid);
    out.setGeneration(m.generation);
    out.setResourceVersion(m.resourceVersion);
    out.setCreationTimestamp(m.creationTimestamp);
    out.setDeletionTimestamp(m.deletionTimestamp);
    out.setLabels(m.labels == null ? null : new LinkedHashMap<>(m.labels));
    out.setAnnotations(m.annotations == null ? null : new LinkedHashMap<>(m.annotations));
    if (m.ownerReferences != null) {
      List<io.fabric8.kubernetes.api.model.OwnerReference> refs = new ArrayList<>();
      for (OwnerReference r : m.ownerReferences) {
        refs.add(
            new OwnerReferenceBuilder()
                .withApiVersion(ClusterKinds.toCluster(r.apiVersion))
                .withKind(r.kind)
                .withName(r.name)
                .withUid(r.uid)
                .withController(r.controller)
                .withBlockOwnerDeletion(r.blockOwnerDeletion)
                .build());
      }
      out.setOwnerReferences(refs);
    }
    return out;
  }

  static ObjectMeta fromClusterMeta(io.fabric8.kubernetes.api.model.ObjectMeta m) {
    ObjectMeta out = new ObjectMeta();
    out.name = m.getName();
    out.generateName = m.getGenerateName();
    out.namespace = m.getNamespace();
    out.uid = m.getUid();
    out.generation = m.getGeneration();
    out.resourceVersion = m.getResourceVersion();
    out.creationTimestamp = m.getCreationTimestamp();
    out.deletionTimestamp = m.getDeletionTimestamp();
    out.labels = orNull(m.getLabels());
    out.annotations = orNull(m.getAnnotations());
    if (m.getOwnerReferences() != null && !m.getOwnerReferences().isEmpty()) {
      out.ownerReferences = new ArrayList<>();
      for (io.fabric8.kubernetes.api.model.OwnerReference r : m.getOwnerReferences()) {
        OwnerReference ref = new OwnerReference();
        ref.apiVersion = ClusterKinds.fromCluster(r.getApiVersion());
        ref.kind = r.getKind();
        ref.name = r.getName();
        ref.uid = r.getUid();
        ref.controller = r.getController();
        ref.blockOwnerDeletion = r.getBlockOwnerDeletion();
        out.ownerReferences.add(ref);
      }
    }
    return out;
  }

  private static Map<String, String> orNull(Map<String, String> m) {
    return m == null || m.isEmpty() ? null : new LinkedHashMap<>(m);
  }
}
