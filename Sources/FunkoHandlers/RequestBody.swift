import FunkoCore

/// JSON request and response bodies, with errors that name the field and show an example.
public enum RequestBody {
    public static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], example: String) throws -> T {
        guard !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            throw FunkoError.badRequest("request body is empty: send a JSON object such as \(example)")
        }
        do {
            return try JSON.decode(type, from: body)
        } catch let e as FunkoError {
            throw e
        } catch DecodingError.typeMismatch(let expected, let ctx) {
            guard let field = ctx.codingPath.last?.stringValue else {
                throw FunkoError.badRequest("request body must be a JSON object such as \(example)")
            }
            let wanted = expected == String.self ? "a string" : expected == Int.self ? "an integer" : "\(expected)"
            throw FunkoError.badRequest(
                "\(field) has the wrong type: expected \(wanted), as in \(example)", field: field)
        } catch {
            throw FunkoError.badRequest("request body is not valid JSON: send a JSON object such as \(example)")
        }
    }

    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] { Array(try JSON.encode(value).utf8) }
}
