import FunkoCore

/// Reference lists for the synthetic market: franchises with their relative popularity and price
/// premium, retailers, variants, and the condition/marketplace effects (docs/data.md).
enum Catalog {
    struct Series: Sendable {
        let name: String
        let weight: Double  // share of the catalog
        let popularity: Double  // sales-rate multiplier
        let premium: Double  // price multiplier
        let characters: [String]
    }

    static let series: [Series] = [
        Series(
            name: "Marvel", weight: 14, popularity: 1.3, premium: 1.05,
            characters: [
                "Spider-Man", "Iron Man", "Captain America", "Thor", "Hulk", "Black Widow", "Loki", "Thanos",
                "Wolverine", "Deadpool", "Doctor Strange", "Black Panther", "Venom", "Groot", "Scarlet Witch",
            ]),
        Series(
            name: "Star Wars", weight: 11, popularity: 1.25, premium: 1.1,
            characters: [
                "Darth Vader", "Luke Skywalker", "Princess Leia", "Han Solo", "Chewbacca", "Yoda", "Grogu", "Boba Fett",
                "Stormtrooper", "Kylo Ren", "The Mandalorian", "Ahsoka Tano", "R2-D2", "C-3PO",
            ]),
        Series(
            name: "DC Comics", weight: 9, popularity: 1.1, premium: 1.0,
            characters: [
                "Batman", "Superman", "Wonder Woman", "The Joker", "Harley Quinn", "The Flash", "Aquaman", "Catwoman",
                "Robin", "Poison Ivy", "Nightwing", "Green Lantern",
            ]),
        Series(
            name: "Disney", weight: 10, popularity: 1.15, premium: 0.95,
            characters: [
                "Mickey Mouse", "Minnie Mouse", "Stitch", "Elsa", "Ariel", "Simba", "Goofy", "Donald Duck",
                "Maleficent", "Belle", "Moana", "Jack Skellington",
            ]),
        Series(
            name: "Harry Potter", weight: 6, popularity: 1.05, premium: 1.0,
            characters: [
                "Harry Potter", "Hermione Granger", "Ron Weasley", "Albus Dumbledore", "Severus Snape", "Hagrid",
                "Draco Malfoy", "Dobby", "Lord Voldemort", "Luna Lovegood",
            ]),
        Series(
            name: "Pokémon", weight: 6, popularity: 1.4, premium: 1.05,
            characters: [
                "Pikachu", "Charizard", "Bulbasaur", "Squirtle", "Eevee", "Mewtwo", "Snorlax", "Gengar", "Jigglypuff",
                "Lucario",
            ]),
        Series(
            name: "Animation", weight: 8, popularity: 1.0, premium: 0.95,
            characters: [
                "Goku", "Vegeta", "Naruto", "Sasuke", "Luffy", "Zoro", "Tanjiro", "Nezuko", "All Might", "Deku", "Levi",
                "Eren Yeager", "Rick Sanchez", "Bart Simpson",
            ]),
        Series(
            name: "Television", weight: 8, popularity: 0.85, premium: 0.95,
            characters: [
                "Eleven", "Dustin", "Michael Scott", "Dwight Schrute", "Jon Snow", "Daenerys", "Walter White",
                "Jesse Pinkman", "Ted Lasso", "Wednesday Addams", "Geralt", "Joel",
            ]),
        Series(
            name: "Movies", weight: 8, popularity: 0.8, premium: 0.95,
            characters: [
                "Jack Torrance", "Freddy Krueger", "Michael Myers", "Beetlejuice", "E.T.", "Marty McFly",
                "Indiana Jones", "Gandalf", "Frodo", "Neo", "Ghostface", "Pennywise",
            ]),
        Series(
            name: "Games", weight: 6, popularity: 0.9, premium: 0.95,
            characters: [
                "Master Chief", "Kratos", "Link", "Mario", "Sonic", "Cuphead", "Ellie", "Arthur Morgan", "Steve",
                "Pac-Man",
            ]),
        Series(
            name: "Rocks", weight: 4, popularity: 0.6, premium: 1.1,
            characters: [
                "Freddie Mercury", "Elvis Presley", "Kurt Cobain", "Ozzy Osbourne", "Tupac", "Dolly Parton", "Prince",
                "Slash",
            ]),
        Series(
            name: "Sports", weight: 4, popularity: 0.55, premium: 1.0,
            characters: [
                "LeBron James", "Michael Jordan", "Stephen Curry", "Tom Brady", "Patrick Mahomes", "Shohei Ohtani",
                "Lionel Messi", "Serena Williams",
            ]),
        Series(
            name: "Ad Icons", weight: 3, popularity: 0.5, premium: 1.15,
            characters: [
                "Tony the Tiger", "Mr. Peanut", "Pillsbury Doughboy", "Kool-Aid Man", "Colonel Sanders", "M&M's Red",
            ]),
        Series(
            name: "Retro Toys", weight: 3, popularity: 0.55, premium: 1.05,
            characters: [
                "He-Man", "Skeletor", "Optimus Prime", "Megatron", "Care Bear", "Cabbage Patch Kid", "G.I. Joe",
            ]),
    ]

    static let retailers = [
        "Hot Topic", "Target", "Walmart", "GameStop", "BoxLunch", "Amazon", "Funko Shop",
        "Barnes & Noble", "San Diego Comic-Con", "New York Comic Con",
    ]
    static let retailerWeights = cumulative([18, 16, 14, 12, 10, 8, 8, 6, 4, 4])

    /// Convention exclusives are made in small runs; store exclusives carry a modest premium.
    static func retailerPremium(_ r: String) -> Double {
        switch r {
        case "San Diego Comic-Con": 3.2
        case "New York Comic Con": 2.6
        case "Funko Shop": 1.6
        default: 1.35
        }
    }

    static let variants = [
        "Glow in the Dark", "Metallic", "Flocked", "Chrome", "Diamond Collection", "Black Light", "Translucent",
    ]

    static let conditions: [Condition] = [.mint, .nearMint, .good, .fair, .poor]
    static let conditionWeights = cumulative([55, 25, 12, 5, 3])

    /// Collectors price the box: a damaged box loses much of the value.
    static func conditionMultiplier(_ c: Condition) -> Double {
        switch c {
        case .mint: 1.0
        case .nearMint: 0.87
        case .good: 0.7
        case .fair: 0.5
        case .poor: 0.33
        }
    }

    static let marketplaces: [Marketplace] = [.ebay, .mercari, .amazon, .whatnot, .facebook, .funkoShop, .other]
    static let marketplaceWeights = cumulative([45, 15, 8, 10, 10, 4, 8])

    /// Fees and audiences differ: Amazon buyers pay for convenience, local sales go cheap.
    static func marketplaceMultiplier(_ m: Marketplace) -> Double {
        switch m {
        case .ebay: 1.0
        case .mercari: 0.94
        case .amazon: 1.08
        case .whatnot: 0.97
        case .facebook: 0.88
        case .funkoShop: 1.02
        case .other: 0.92
        }
    }

    /// Extra price noise (log sd) of informal marketplaces.
    static func noise(_ m: Marketplace) -> Double {
        switch m {
        case .facebook, .other: 0.05
        case .mercari, .whatnot: 0.02
        default: 0
        }
    }

    static func cumulative(_ w: [Double]) -> [Double] { w.reduce(into: []) { $0.append(($0.last ?? 0) + $1) } }
}
