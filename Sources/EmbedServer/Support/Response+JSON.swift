import EmbedCore
import Hummingbird

extension Response {
    /// A JSON response with the given status and body; `Content-Type` is `application/json`
    /// unless `headers` sets another.
    static func json(_ writer: JSONWriter, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        if fields[.contentType] == nil { fields[.contentType] = "application/json" }
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: writer.bytes)))
    }
}

extension HTTPFields {
    /// Sets a header whose name is not one of HTTPTypes' predefined ones. Names are literals
    /// in this module, so the failable lookup only guards against typos.
    mutating func setCustom(_ name: String, _ value: String) {
        if let name = HTTPFields.Element.Name(name) { self[name] = value }
    }
}
