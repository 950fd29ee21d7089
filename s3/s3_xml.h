#pragma once

// Reading the small XML documents S3 returns (ListObjectsV2 results,
// InitiateMultipartUpload, CompleteMultipartUpload, Error). These are flat:
// no element contains another of its own name, so finding tags by name is
// enough and no general XML parser is needed. Writing: xmlEscape for the
// CompleteMultipartUpload body.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace furl::s3 {

/// The raw inner text of every `<name>...</name>` element in `xml`, in
/// document order (entities still escaped). `<name/>` yields an empty view.
std::vector<std::string_view> xmlElements(std::string_view xml, std::string_view name);

/// The decoded text of the first `<name>` element, or nullopt when absent.
std::optional<std::string> xmlText(std::string_view xml, std::string_view name);

/// Decodes the five predefined entities and numeric character references
/// (&#38; &#x26;, written back as UTF-8).
std::string xmlUnescape(std::string_view text);

/// Escapes & < > " ' for element text.
std::string xmlEscape(std::string_view text);

}  // namespace furl::s3
