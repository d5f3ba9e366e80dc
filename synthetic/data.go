package synthetic

// Static tables: countries and cities, names, user agents, vendor vocabularies.
// Everything here is plain data; world.go turns it into pre-rendered JSON
// fragments once per Write call.

// city is one geolocation a client IP can resolve to. lat and lng are written
// verbatim as JSON numbers. tz is the UTC offset in half hours (standard time;
// daylight saving is ignored).
type city struct {
	regionCode, regionName, name string
	lat, lng                     string
	tz                           int
}

// country is one ISO 3166-1 country with a few cities. home is the relative
// weight of the country as a home country of remote workers (0 = never);
// unusual marks the countries that suspicious logins skew to. octets are
// first octets of its IPv4 space (rough but plausible allocations), v6 an IPv6
// prefix.
type country struct {
	code, name string
	lat, lng   string // country centroid, used for coarse (country-only) locations
	cities     []city
	home       int
	unusual    bool
	octets     []int
	v6         string
}

var countries = []country{
	{"US", "United States", "38", "-97", []city{
		{"NY", "New York", "New York", "40.7128", "-74.006", -10},
		{"MA", "Massachusetts", "Waltham", "42.3699", "-71.2353", -10},
		{"CA", "California", "San Francisco", "37.7749", "-122.4194", -16},
		{"WA", "Washington", "Seattle", "47.6062", "-122.3321", -16},
		{"TX", "Texas", "Austin", "30.2672", "-97.7431", -12},
		{"IL", "Illinois", "Chicago", "41.8781", "-87.6298", -12},
		{"CO", "Colorado", "Denver", "39.7392", "-104.9903", -14},
		{"GA", "Georgia", "Atlanta", "33.749", "-84.388", -10},
	}, 30, false, []int{73, 71, 24, 98, 68, 174, 108}, "2601:"},
	{"GB", "United Kingdom", "51.5", "-0.13", []city{
		{"ENG", "England", "London", "51.5074", "-0.1278", 0},
		{"F8", "Hertford", "Harpenden", "51.8", "-0.35", 0},
		{"MAN", "Manchester", "Manchester", "53.4808", "-2.2426", 0},
		{"EDH", "Edinburgh", "Edinburgh", "55.9533", "-3.1883", 0},
	}, 10, false, []int{86, 81, 90, 31}, "2a02:c7c:"},
	{"CA", "Canada", "60", "-95", []city{
		{"ON", "Ontario", "Toronto", "43.6532", "-79.3832", -10},
		{"BC", "British Columbia", "Vancouver", "49.2827", "-123.1207", -16},
		{"QC", "Quebec", "Montréal", "45.5019", "-73.5674", -10},
	}, 6, false, []int{99, 142, 174}, "2607:fea8:"},
	{"DE", "Germany", "51", "9", []city{
		{"BE", "Berlin", "Berlin", "52.52", "13.405", 2},
		{"BY", "Bayern", "München", "48.1351", "11.582", 2},
		{"HE", "Hessen", "Frankfurt am Main", "50.1109", "8.6821", 2},
		{"NW", "Nordrhein-Westfalen", "Köln", "50.9375", "6.9603", 2},
	}, 6, false, []int{84, 91, 79, 93}, "2003:e2:"},
	{"FR", "France", "46", "2", []city{
		{"IDF", "Île-de-France", "Paris", "48.8566", "2.3522", 2},
		{"ARA", "Auvergne-Rhône-Alpes", "Lyon", "45.764", "4.8357", 2},
		{"OCC", "Occitanie", "Toulouse", "43.6047", "1.4442", 2},
	}, 4, false, []int{90, 86, 176}, "2a01:cb00:"},
	{"NL", "Netherlands", "52.5", "5.75", []city{
		{"NH", "Noord-Holland", "Amsterdam", "52.3676", "4.9041", 2},
		{"ZH", "Zuid-Holland", "Rotterdam", "51.9244", "4.4777", 2},
	}, 3, false, []int{77, 84, 145}, "2a02:a46:"},
	{"IE", "Ireland", "53", "-8", []city{
		{"D", "Dublin", "Dublin", "53.3498", "-6.2603", 0},
		{"CO", "Cork", "Cork", "51.8985", "-8.4756", 0},
	}, 2, false, []int{89, 86, 37}, "2a02:8084:"},
	{"ES", "Spain", "40", "-4", []city{
		{"MD", "Madrid", "Madrid", "40.4168", "-3.7038", 2},
		{"CT", "Catalonia", "Barcelona", "41.3874", "2.1686", 2},
		{"AN", "Andalusia", "Málaga", "36.7213", "-4.4214", 2},
	}, 3, false, []int{83, 88, 95}, "2a0c:5a80:"},
	{"IT", "Italy", "42.8333", "12.8333", []city{
		{"25", "Lombardia", "Milano", "45.4642", "9.19", 2},
		{"62", "Lazio", "Roma", "41.9028", "12.4964", 2},
	}, 3, false, []int{79, 93, 151}, "2001:b07:"},
	{"SE", "Sweden", "62", "15", []city{
		{"AB", "Stockholm", "Stockholm", "59.3293", "18.0686", 2},
		{"O", "Västra Götaland", "Göteborg", "57.7089", "11.9746", 2},
	}, 2, false, []int{83, 90, 213}, "2001:9b1:"},
	{"DK", "Denmark", "56", "10", []city{
		{"84", "Capital Region", "København", "55.6761", "12.5683", 2},
	}, 1, false, []int{87, 188}, "2a05:f6c7:"},
	{"NO", "Norway", "62", "10", []city{
		{"03", "Oslo", "Oslo", "59.9139", "10.7522", 2},
	}, 1, false, []int{84, 88}, "2a01:799:"},
	{"FI", "Finland", "64", "26", []city{
		{"18", "Uusimaa", "Helsinki", "60.1699", "24.9384", 4},
	}, 1, false, []int{88, 91}, "2001:999:"},
	{"CH", "Switzerland", "47", "8", []city{
		{"ZH", "Zürich", "Zürich", "47.3769", "8.5417", 2},
		{"GE", "Genève", "Genève", "46.2044", "6.1432", 2},
	}, 1, false, []int{85, 178}, "2a02:1210:"},
	{"PL", "Poland", "52", "20", []city{
		{"14", "Mazowieckie", "Warszawa", "52.2297", "21.0122", 2},
		{"12", "Małopolskie", "Kraków", "50.0647", "19.945", 2},
		{"10", "Łódzkie", "Łódź", "51.7592", "19.456", 2},
	}, 3, false, []int{83, 89, 178}, "2a02:a311:"},
	{"PT", "Portugal", "39.5", "-8", []city{
		{"11", "Lisboa", "Lisbon", "38.7223", "-9.1393", 0},
		{"13", "Porto", "Porto", "41.1579", "-8.6291", 0},
	}, 1, false, []int{85, 89}, "2001:818:"},
	{"BE", "Belgium", "50.8333", "4", []city{
		{"BRU", "Brussels Capital", "Brussels", "50.8503", "4.3517", 2},
	}, 1, false, []int{81, 91}, "2a02:a03f:"},
	{"AT", "Austria", "47.3333", "13.3333", []city{
		{"9", "Wien", "Wien", "48.2082", "16.3738", 2},
	}, 1, false, []int{80, 62}, "2a02:8388:"},
	{"CZ", "Czechia", "49.75", "15.5", []city{
		{"10", "Hlavní město Praha", "Praha", "50.0755", "14.4378", 2},
	}, 1, false, []int{89, 193}, "2a00:1028:"},
	{"IN", "India", "20", "77", []city{
		{"KA", "Karnataka", "Bengaluru", "12.9716", "77.5946", 11},
		{"MH", "Maharashtra", "Mumbai", "19.076", "72.8777", 11},
		{"TG", "Telangana", "Hyderabad", "17.385", "78.4867", 11},
	}, 5, false, []int{49, 106, 122, 183}, "2401:4900:"},
	{"JP", "Japan", "36", "138", []city{
		{"13", "Tokyo", "Tokyo", "35.6762", "139.6503", 18},
		{"27", "Ōsaka", "Ōsaka", "34.6937", "135.5023", 18},
	}, 2, false, []int{126, 153, 210}, "240b:10:"},
	{"SG", "Singapore", "1.3667", "103.8", []city{
		{"01", "Central Singapore", "Singapore", "1.3521", "103.8198", 16},
	}, 1, false, []int{116, 175}, "2406:3003:"},
	{"AU", "Australia", "-27", "133", []city{
		{"NSW", "New South Wales", "Sydney", "-33.8688", "151.2093", 20},
		{"VIC", "Victoria", "Melbourne", "-37.8136", "144.9631", 20},
	}, 2, false, []int{101, 120, 203}, "2001:8003:"},
	{"NZ", "New Zealand", "-41", "174", []city{
		{"AUK", "Auckland", "Auckland", "-36.8485", "174.7633", 24},
	}, 1, false, []int{122, 125}, "2407:7000:"},
	{"BR", "Brazil", "-10", "-55", []city{
		{"SP", "São Paulo", "São Paulo", "-23.5505", "-46.6333", -6},
		{"RJ", "Rio de Janeiro", "Rio de Janeiro", "-22.9068", "-43.1729", -6},
	}, 2, false, []int{177, 179, 189, 201}, "2804:14c:"},
	{"MX", "Mexico", "23", "-102", []city{
		{"CMX", "Ciudad de México", "Ciudad de México", "19.4326", "-99.1332", -12},
		{"JAL", "Jalisco", "Guadalajara", "20.6597", "-103.3496", -12},
	}, 1, false, []int{187, 189, 201}, "2806:10a6:"},
	{"AR", "Argentina", "-34", "-64", []city{
		{"C", "Ciudad Autónoma de Buenos Aires", "Buenos Aires", "-34.6037", "-58.3816", -6},
	}, 1, false, []int{181, 190}, "2800:810:"},
	{"IL", "Israel", "31.5", "34.75", []city{
		{"TA", "Tel Aviv", "Tel Aviv", "32.0853", "34.7818", 4},
	}, 1, false, []int{79, 109}, "2a0d:6fc0:"},
	{"AE", "United Arab Emirates", "24", "54", []city{
		{"DU", "Dubai", "Dubai", "25.2048", "55.2708", 8},
	}, 1, false, []int{94, 86}, "2001:8f8:"},
	{"ZA", "South Africa", "-29", "24", []city{
		{"WC", "Western Cape", "Cape Town", "-33.9249", "18.4241", 4},
		{"GT", "Gauteng", "Johannesburg", "-26.2041", "28.0473", 4},
	}, 1, false, []int{41, 105, 196}, "2c0f:f4c0:"},
	{"KR", "South Korea", "37", "127.5", []city{
		{"11", "Seoul", "Seoul", "37.5665", "126.978", 18},
	}, 1, false, []int{121, 211}, "2001:2d8:"},
	// Countries that suspicious logins skew to (few or no employees live there).
	{"RU", "Russia", "60", "100", []city{
		{"MOW", "Moscow", "Moscow", "55.7558", "37.6173", 6},
		{"SPE", "St.-Petersburg", "Saint Petersburg", "59.9343", "30.3351", 6},
	}, 0, true, []int{95, 178, 188}, "2a00:1fa0:"},
	{"CN", "China", "35", "105", []city{
		{"BJ", "Beijing", "Beijing", "39.9042", "116.4074", 16},
		{"SH", "Shanghai", "Shanghai", "31.2304", "121.4737", 16},
		{"GD", "Guangdong", "Shenzhen", "22.5431", "114.0579", 16},
	}, 0, true, []int{27, 58, 116, 223}, "240e:3b0:"},
	{"NG", "Nigeria", "10", "8", []city{
		{"LA", "Lagos", "Lagos", "6.5244", "3.3792", 2},
	}, 0, true, []int{102, 105, 197}, "2c0f:f5c0:"},
	{"VN", "Vietnam", "16.1667", "107.8333", []city{
		{"HN", "Hà Nội", "Hà Nội", "21.0278", "105.8342", 14},
		{"SG", "Hồ Chí Minh", "Ho Chi Minh City", "10.8231", "106.6297", 14},
	}, 0, true, []int{14, 113, 171}, "2402:800:"},
	{"RO", "Romania", "46", "25", []city{
		{"B", "București", "București", "44.4268", "26.1025", 4},
	}, 1, true, []int{5, 86, 188}, "2a02:2f0c:"},
	{"IR", "Iran", "32", "53", []city{
		{"23", "Tehran", "Tehran", "35.6892", "51.389", 7},
	}, 0, true, []int{5, 37, 151}, "2a01:5ec0:"},
	{"UA", "Ukraine", "49", "32", []city{
		{"30", "Kyiv City", "Kyiv", "50.4501", "30.5234", 4},
	}, 1, true, []int{46, 91, 176}, "2a02:2378:"},
	{"TR", "Türkiye", "39", "35", []city{
		{"34", "İstanbul", "İstanbul", "41.0082", "28.9784", 6},
	}, 1, true, []int{78, 88, 176}, "2a02:ff0:"},
	{"ID", "Indonesia", "-5", "120", []city{
		{"JK", "Jakarta", "Jakarta", "-6.2088", "106.8456", 14},
	}, 0, true, []int{36, 110, 180}, "2001:448a:"},
	{"PK", "Pakistan", "30", "70", []city{
		{"SD", "Sindh", "Karachi", "24.8607", "67.0011", 10},
	}, 0, true, []int{39, 119, 182}, "2400:adc0:"},
	{"BY", "Belarus", "53", "28", []city{
		{"HM", "Minsk City", "Minsk", "53.9006", "27.559", 6},
	}, 0, true, []int{37, 93, 178}, "2a00:1760:"},
	{"KZ", "Kazakhstan", "48", "68", []city{
		{"ALA", "Almaty", "Almaty", "43.222", "76.8512", 10},
	}, 0, true, []int{2, 95, 147}, "2a03:32c0:"},
}

// domain is one customer organisation: its mail domain, its productivity suite
// (google or microsoft365), where it has offices, and how many of the users
// belong to it.
type domain struct {
	name    string
	suite   string // "google" or "microsoft365"
	short   string // used in bucket names, tenant names, etag/customer ids
	offices []string
	weight  int
	region  string // AWS home region
}

var domains = []domain{
	{"northwind.com", "google", "northwind", []string{"US", "GB", "IN"}, 44, "us-east-1"},
	{"contoso.com", "microsoft365", "contoso", []string{"US", "DE", "JP"}, 16, "us-west-2"},
	{"fabrikam.eu", "microsoft365", "fabrikam", []string{"DE", "FR", "PL", "NL"}, 6, "eu-central-1"},
	{"initech.io", "google", "initech", []string{"GB", "IE", "ES"}, 22, "eu-west-1"},
	{"globex.com.br", "google", "globex", []string{"BR", "MX", "AR"}, 12, "sa-east-1"},
}

// Names. A few carry non-ASCII letters and apostrophes so that JSON, CSV and
// SQL escaping downstream are exercised; emails use an ASCII-folded form.
var firstNames = []string{
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
	"David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra",
	"Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
	"Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
	"Oliver", "Amelia", "Harry", "Isla", "Jack", "Ava", "Noah", "Mia", "Leo", "Grace",
	"Lukas", "Hannah", "Felix", "Lena", "Jonas", "Marie", "Emma", "Louis", "Camille", "Hugo",
	"Sofia", "Mateo", "Lucía", "Martín", "Valentina", "Diego", "Camila", "Santiago", "Ana", "Pedro",
	"Priya", "Arjun", "Ananya", "Rahul", "Aditi", "Vikram", "Sneha", "Rohan", "Kavya", "Aarav",
	"Yuki", "Haruto", "Sakura", "Ren", "Aoi", "Min-jun", "Seo-yeon", "Wei", "Mei", "Jian",
	"Zoë", "José", "François", "Søren", "Björn", "Łukasz", "Małgorzata", "Renée", "Chloé", "Noël",
	"Jürgen", "Siobhán", "Seán", "Åsa", "İlkay", "Jean-Luc", "Anaïs", "Zoltán", "Dagný", "Øystein",
	"Olga", "Ivan", "Katarzyna", "Piotr", "Eva", "Jan", "Anna", "Tomasz", "Agnieszka", "Marek",
	"Fatima", "Omar", "Layla", "Yusuf", "Amara", "Kwame", "Chinedu", "Thandiwe", "Noa", "Eitan",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Evans", "Turner", "Phillips", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook",
	"Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch",
	"Dubois", "Bernard", "Moreau", "Laurent", "Lefebvre", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
	"Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kowalczyk", "Lewandowski", "Jansen", "de Vries", "van Dijk", "Bakker",
	"Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Tanaka", "Suzuki",
	"Sato", "Takahashi", "Kim", "Park", "Choi", "Chen", "Wang", "Li", "Zhang", "Liu",
	"O'Brien", "O'Connor", "D'Angelo", "O'Neill", "Müller", "Núñez", "García", "Sørensen", "Łukasiewicz", "Dvořák",
	"Björklund", "Gonçalves", "Šimić", "Ødegård", "Jiménez", "Peña", "Fernández", "Nakamura", "Öztürk", "Çelik",
	"Okafor", "Mensah", "Dlamini", "Haddad", "Cohen", "Levi", "Ivanova", "Petrov", "Novák", "Horváth",
}

// asciiFold maps the non-ASCII letters used above to an email-safe ASCII form.
var asciiFold = map[rune]string{
	'ë': "e", 'é': "e", 'è': "e", 'ê': "e", 'ç': "c", 'ø': "o", 'Ø': "o", 'ö': "o", 'Ö': "o", 'ó': "o",
	'ł': "l", 'Ł': "l", 'ß': "ss", 'ñ': "n", 'ü': "u", 'á': "a", 'í': "i", 'ú': "u", 'å': "a", 'Å': "a",
	'æ': "ae", 'š': "s", 'Š': "s", 'č': "c", 'ř': "r", 'ž': "z", 'ą': "a", 'ę': "e", 'ś': "s", 'ź': "z",
	'ż': "z", 'ć': "c", 'ń': "n", 'ğ': "g", 'ı': "i", 'İ': "i", 'ş': "s", 'ï': "i", 'ý': "y", 'Ç': "c",
	'ō': "o", 'Ō': "o", 'ő': "o", 'ä': "a", 'Ä': "a",
}

// Browser and client user agents. Users get two or three of these as their
// devices; automation agents show up on suspicious logins and AWS API calls.
var browserUAs = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 Edg/141.0.3537.57",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:143.0) Gecko/20100101 Firefox/143.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Safari/605.1.15",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:143.0) Gecko/20100101 Firefox/143.0",
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
	"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:142.0) Gecko/20100101 Firefox/142.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (iPad; CPU OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (X11; CrOS x86_64 16328.65.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36",
}

var msClientUAs = []string{
	"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.19127; Pro)",
	"Microsoft Office/16.0 (Macintosh; Mac OS X 15.6; Microsoft Outlook 16.101)",
	"Microsoft SkyDriveSync 25.164.0824.0002 ship; Windows NT 10.0 (26100)",
	"OneDriveMpc-Transform_Thumbnail/1.0",
	"Outlook-iOS/2.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 Edg/141.0.3537.57",
}

var awsToolUAs = []string{
	"aws-cli/2.31.8 Python/3.13.7 Linux/6.8.0-1036-aws exe/x86_64.ubuntu.24 prompt/off command/s3.cp",
	"aws-cli/2.30.4 Python/3.13.7 Darwin/24.6.0 source/arm64 prompt/off command/ec2.describe-instances",
	"Boto3/1.40.45 md/Botocore#1.40.45 ua/2.1 os/linux#6.1.147 md/arch#x86_64 lang/python#3.12.11",
	"aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.25.1 md/GOOS#linux md/GOARCH#amd64 api/s3#1.88.3",
	"Terraform/1.13.3 (+https://www.terraform.io) terraform-provider-aws/6.15.0",
	"[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.788]",
	"AWS Internal",
}

var oddUAs = []string{
	"python-requests/2.32.5",
	"curl/8.16.0",
	"Go-http-client/1.1",
	"Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
	"Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
	"okhttp/4.12.0",
	"Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)",
	"axios/1.12.2",
}

// Google vocabularies.
var googleLoginTypes = []string{"google_password", "google_password", "google_password", "saml", "reauth", "passkey", "exchange"}

var googleLoginFailureTypes = []string{"login_failure_invalid_password", "login_failure_invalid_password", "login_failure_invalid_second_factor", "login_failure_unknown"}

type gAdminEvent struct{ typ, name, param string }

var googleUserSettings = []gAdminEvent{
	{"USER_SETTINGS", "CHANGE_PASSWORD", "USER_EMAIL"},
	{"USER_SETTINGS", "CHANGE_PASSWORD_ON_NEXT_LOGIN", "USER_EMAIL"},
	{"USER_SETTINGS", "ENFORCE_STRONG_AUTHENTICATION", "USER_EMAIL"},
	{"USER_SETTINGS", "ADD_RECOVERY_PHONE", "USER_EMAIL"},
	{"USER_SETTINGS", "CHANGE_RECOVERY_EMAIL", "USER_EMAIL"},
	{"USER_SETTINGS", "TURN_OFF_2_STEP_VERIFICATION", "USER_EMAIL"},
	{"USER_SETTINGS", "GRANT_ADMIN_PRIVILEGE", "USER_EMAIL"},
	{"USER_SETTINGS", "SUSPEND_USER", "USER_EMAIL"},
	{"USER_SETTINGS", "CHANGE_USER_ORGANIZATION", "USER_EMAIL"},
}

var googleAdminOther = []gAdminEvent{
	{"GROUP_SETTINGS", "ADD_GROUP_MEMBER", "GROUP_EMAIL"},
	{"GROUP_SETTINGS", "REMOVE_GROUP_MEMBER", "GROUP_EMAIL"},
	{"APPLICATION_SETTINGS", "CHANGE_APPLICATION_SETTING", "APPLICATION_NAME"},
	{"SECURITY_SETTINGS", "ADD_TO_TRUSTED_OAUTH2_APPS", "OAUTH2_APP_NAME"},
	{"DOMAIN_SETTINGS", "CHANGE_DATA_LOCALIZATION_FOR_RUSSIA", "DOMAIN_NAME"},
}

var googleDriveEvents = []string{"view", "view", "view", "view", "edit", "edit", "download", "create", "upload", "change_user_access", "change_document_visibility", "rename", "move", "trash"}

var driveVisibility = []string{"private", "people_within_domain_with_link", "shared_internally", "people_with_link", "shared_externally"}

// Titles for documents, files, mail subjects. %F/%L are replaced with a name;
// several contain quotes, backslashes and non-ASCII text on purpose.
var titleTemplates = []string{
	"Q%Q budget", "Q%Q forecast (draft)", "Board deck %Y", "Roadmap %Y \"final\" v%N", "Offsite agenda – %C",
	"%F's 1:1 notes", "%F %L – performance review", "Onboarding checklist", "Incident postmortem #%N", "Vendor contract %L",
	"Résumé – %F %L", "Präsentation Vertrieb %Y", "Contrat de travail – %L", "見積書_%Y%N", "Plan de cuentas %Y",
	"customers_export_%Y.csv", "payroll %Y-%Q", "Security review: SSO rollout", "Team photo \\ archive", "Architecture diagram v%N",
	"Invoice INV-%N%N%N", "Expense report – %C trip", "OKRs H%H %Y", "Interview feedback – %F", "Release notes %N.%N",
}

var titleExts = []string{"docx", "xlsx", "pptx", "pdf", "csv", "txt", "png"}

var siteNames = []string{"Finance", "HR", "Engineering", "Sales", "Marketing", "Legal", "IT", "Operations", "Executive", "Product"}

var mailFolders = []string{"\\Inbox", "\\Sent Items", "\\Archive", "\\Deleted Items", "\\Inbox\\Projects", "\\Drafts"}

// AWS vocabularies.
type awsCall struct {
	source, name, category, eventType string
	readOnly                          bool
	req                               string // requestParameters JSON (may contain %B bucket, %K key, %U user, %A account, %I instance)
	resp                              string // responseElements JSON
}

var awsOtherCalls = []awsCall{
	{"ec2.amazonaws.com", "DescribeInstances", "Management", "AwsApiCall", true, `{"instancesSet":{},"filterSet":{}}`, "null"},
	{"ec2.amazonaws.com", "StartInstances", "Management", "AwsApiCall", false, `{"instancesSet":{"items":[{"instanceId":"%I"}]}}`, `{"requestId":"%R","instancesSet":{"items":[{"instanceId":"%I","currentState":{"code":0,"name":"pending"},"previousState":{"code":80,"name":"stopped"}}]}}`},
	{"ec2.amazonaws.com", "StopInstances", "Management", "AwsApiCall", false, `{"instancesSet":{"items":[{"instanceId":"%I"}]},"force":false}`, `{"requestId":"%R","instancesSet":{"items":[{"instanceId":"%I","currentState":{"code":64,"name":"stopping"},"previousState":{"code":16,"name":"running"}}]}}`},
	{"sts.amazonaws.com", "GetCallerIdentity", "Management", "AwsApiCall", true, "null", "null"},
	{"sts.amazonaws.com", "AssumeRole", "Management", "AwsApiCall", true, `{"roleArn":"arn:aws:iam::%A:role/deploy","roleSessionName":"%U","durationSeconds":3600}`, `{"assumedRoleUser":{"assumedRoleId":"AROA%R:%U","arn":"arn:aws:sts::%A:assumed-role/deploy/%U"}}`},
	{"s3.amazonaws.com", "CreateBucket", "Management", "AwsApiCall", false, `{"bucketName":"%B","Host":"%B.s3.amazonaws.com"}`, "null"},
	{"kms.amazonaws.com", "Decrypt", "Management", "AwsApiCall", true, `{"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}`, "null"},
}

var awsS3Calls = []awsCall{
	{"s3.amazonaws.com", "GetObject", "Data", "AwsApiCall", true, `{"bucketName":"%B","Host":"%B.s3.%G.amazonaws.com","key":"%K"}`, "null"},
	{"s3.amazonaws.com", "GetObject", "Data", "AwsApiCall", true, `{"bucketName":"%B","Host":"%B.s3.%G.amazonaws.com","key":"%K"}`, "null"},
	{"s3.amazonaws.com", "PutObject", "Data", "AwsApiCall", false, `{"bucketName":"%B","Host":"%B.s3.%G.amazonaws.com","key":"%K"}`, `{"x-amz-server-side-encryption":"AES256"}`},
	{"s3.amazonaws.com", "ListObjects", "Data", "AwsApiCall", true, `{"bucketName":"%B","Host":"%B.s3.%G.amazonaws.com","list-type":"2","prefix":"%P"}`, "null"},
	{"s3.amazonaws.com", "DeleteObject", "Data", "AwsApiCall", false, `{"bucketName":"%B","Host":"%B.s3.%G.amazonaws.com","key":"%K"}`, "null"},
	{"s3.amazonaws.com", "PutBucketPolicy", "Management", "AwsApiCall", false, `{"bucketName":"%B","Host":"s3.%G.amazonaws.com","bucketPolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::%B/*"}]}}`, "null"},
}

var awsIAMCalls = []awsCall{
	{"iam.amazonaws.com", "ChangePassword", "Management", "AwsApiCall", false, "null", "null"},
	{"iam.amazonaws.com", "CreateAccessKey", "Management", "AwsApiCall", false, `{"userName":"%U"}`, `{"accessKey":{"accessKeyId":"AKIA%R","status":"Active","userName":"%U"}}`},
	{"iam.amazonaws.com", "EnableMFADevice", "Management", "AwsApiCall", false, `{"userName":"%U","serialNumber":"arn:aws:iam::%A:mfa/%U"}`, "null"},
	{"iam.amazonaws.com", "UpdateLoginProfile", "Management", "AwsApiCall", false, `{"userName":"%U","passwordResetRequired":false}`, "null"},
	{"iam.amazonaws.com", "AttachUserPolicy", "Management", "AwsApiCall", false, `{"userName":"%U","policyArn":"arn:aws:iam::aws:policy/ReadOnlyAccess"}`, "null"},
	{"iam.amazonaws.com", "DeleteAccessKey", "Management", "AwsApiCall", false, `{"userName":"%U","accessKeyId":"AKIA%R"}`, "null"},
}

var s3Prefixes = []string{"reports/2026/", "exports/", "backups/db/", "logs/app/", "uploads/", "data/raw/", "ml/training/", "invoices/"}

// Microsoft 365 vocabularies.
type o365Op struct {
	op, status string
	recordType int
}

var exchangeOther = []o365Op{
	{"MailItemsAccessed", "Succeeded", 50}, {"MailItemsAccessed", "Succeeded", 50}, {"Send", "Succeeded", 2},
	{"SoftDelete", "Succeeded", 2}, {"MoveToDeletedItems", "Succeeded", 2}, {"Update", "Succeeded", 2},
}

var sharePointOps = []string{"FileAccessed", "FileAccessed", "FileAccessed", "FileModified", "FileDownloaded", "FileUploaded", "FilePreviewed", "SharingSet", "AnonymousLinkCreated", "FileDeleted"}

var inboxRuleNames = []string{"Move newsletters", "Invoices", "From boss", ".", "Auto-forward", "Jira notifications", "Mark as read", "RSS Subscriptions"}
