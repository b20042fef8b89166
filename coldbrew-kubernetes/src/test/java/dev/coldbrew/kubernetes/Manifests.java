package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads shipped YAML manifests into fabric8's model classes, as kubectl would. Stateless. */
final class Manifests {
  private static final KubernetesSerialization FABRIC8 = new KubernetesSerialization();

  private Manifests() {}

  /** Every document of a classpath resource, as fabric8 models. */
  static List<HasMetadata> load(String resource) throws IOException {
    String text;
    try (InputStream in = Manifests.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<HasMetadata> out = new ArrayList<>();
    for (ObjectNode doc : ResourceCodec.split(text)) {
      out.add(FABRIC8.unmarshal(doc.toString()));
    }
    return out;
  }
}
