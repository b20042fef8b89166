package dev.coldbrew.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.coldbrew.api.codec.ResourceCodec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Whether an object on the cluster still holds what Coldbrew rendered for it: every field of the
 * rendered object must be there with the same value, while fields the API server or other
 * controllers added (defaults such as {@code imagePullPolicy}, a Service's {@code clusterIP}) are
 * ignored. Arrays compare element by element and must have the same length, so an address added by
 * hand to a slice is drift. Numbers compare by value. Pure; thread-safe.
 */
final class Drift {
  private static final KubernetesSerialization FABRIC8 = new KubernetesSerialization();

  private Drift() {}

  /** A fabric8 model object as a Jackson 2 tree. */
  static JsonNode tree(Object fabric8Object) {
    try {
      return ResourceCodec.json().readTree(FABRIC8.asJson(fabric8Object));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True when {@code actual} holds everything of {@code rendered}. */
  static boolean holds(Object actual, Object rendered) {
    return contains(tree(actual), tree(rendered));
  }

  static boolean contains(JsonNode actual, JsonNode want) {
    if (want == null || want.isNull() || want.isMissingNode()) {
      return true;
    }
    if (actual == null || actual.isNull() || actual.isMissingNode()) {
      return want.isObject() && want.isEmpty() || want.isArray() && want.isEmpty();
    }
    if (want.isObject()) {
      if (!actual.isObject()) {
        return false;
      }
      for (Map.Entry<String, JsonNode> f : want.properties()) {
        if (!contains(actual.get(f.getKey()), f.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (want.isArray()) {
      if (!actual.isArray() || actual.size() != want.size()) {
        return false;
      }
      for (int i = 0; i < want.size(); i++) {
        if (!contains(actual.get(i), want.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (want.isNumber() && actual.isNumber()) {
      return want.decimalValue().compareTo(actual.decimalValue()) == 0;
    }
    return want.equals(actual);
  }
}
