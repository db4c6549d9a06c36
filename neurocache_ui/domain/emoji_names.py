"""The emoji people may react with, each with its CLDR short name (what the
picker's search matches and its tooltip says): a fixed local list of a few
hundred, so nothing is fetched from a CDN and a reaction is always one
recognisable emoji. Taken from the `emoji` package's data (2.16, fully
qualified, Emoji 11 or older, no skin tones, flags, keycaps or sequences);
the quick ones the picker shows first come first."""

from __future__ import annotations

_TABLE = """
👍 thumbs up|❤️ red heart|😂 face with tears of joy|🎉 party popper|👀 eyes|✅ check mark button
🙏 folded hands|🔥 fire|🚀 rocket|🤔 thinking face|😮 face with open mouth|😢 crying face
👎 thumbs down|💯 hundred points|😀 grinning face|😁 beaming face with smiling eyes|😃 grinning face with big eyes|😄 grinning face with smiling eyes
😅 grinning face with sweat|😆 grinning squinting face|😇 smiling face with halo|😈 smiling face with horns|😉 winking face|😊 smiling face with smiling eyes
😋 face savoring food|😌 relieved face|😍 smiling face with heart-eyes|😎 smiling face with sunglasses|😏 smirking face|😐 neutral face
😑 expressionless face|😒 unamused face|😓 downcast face with sweat|😔 pensive face|😕 confused face|😖 confounded face
😗 kissing face|😘 face blowing a kiss|😙 kissing face with smiling eyes|😚 kissing face with closed eyes|😛 face with tongue|😜 winking face with tongue
😝 squinting face with tongue|😞 disappointed face|😟 worried face|😠 angry face|😡 enraged face|😣 persevering face
😤 face with steam from nose|😥 sad but relieved face|😦 frowning face with open mouth|😧 anguished face|😨 fearful face|😩 weary face
😪 sleepy face|😫 tired face|😬 grimacing face|😭 loudly crying face|😯 hushed face|😰 anxious face with sweat
😱 face screaming in fear|😲 astonished face|😳 flushed face|😴 sleeping face|😵 face with crossed-out eyes|😶 face without mouth
😷 face with medical mask|😸 grinning cat with smiling eyes|😹 cat with tears of joy|😺 grinning cat|😻 smiling cat with heart-eyes|😼 cat with wry smile
😽 kissing cat|😾 pouting cat|😿 crying cat|🙀 weary cat|🙁 slightly frowning face|🙂 slightly smiling face
🙃 upside-down face|🙄 face with rolling eyes|🙅 person gesturing NO|🙆 person gesturing OK|🙇 person bowing|🙈 see-no-evil monkey
🙉 hear-no-evil monkey|🙊 speak-no-evil monkey|🙋 person raising hand|🙌 raising hands|🙍 person frowning|🙎 person pouting
🤐 zipper-mouth face|🤑 money-mouth face|🤒 face with thermometer|🤓 nerd face|🤕 face with head-bandage|🤖 robot
🤗 smiling face with open hands|🤘 sign of the horns|🤙 call me hand|🤚 raised back of hand|🤛 left-facing fist|🤜 right-facing fist
🤝 handshake|🤞 crossed fingers|🤟 love-you gesture|🤠 cowboy hat face|🤡 clown face|🤢 nauseated face
🤣 rolling on the floor laughing|🤤 drooling face|🤥 lying face|🤦 person facepalming|🤧 sneezing face|🤨 face with raised eyebrow
🤩 star-struck|🤪 zany face|🤫 shushing face|🤬 face with symbols on mouth|🤭 face with hand over mouth|🤮 face vomiting
🤯 exploding head|🥰 smiling face with hearts|🥳 partying face|🥴 woozy face|🥵 hot face|🥶 cold face
🥺 pleading face|🥼 lab coat|🥽 goggles|🥾 hiking boot|🥿 flat shoe|🧐 face with monocle
🧑 person|🧒 child|🧓 older person|🧔 person beard|🧕 woman with headscarf|🧖 person in steamy room
🧗 person climbing|🧘 person in lotus position|🧙 mage|🧚 fairy|🧛 vampire|🧜 merperson
🧝 elf|🧞 genie|🧟 zombie|👁️ eye|👂 ear|👃 nose
👄 mouth|👅 tongue|👆 backhand index pointing up|👇 backhand index pointing down|👈 backhand index pointing left|👉 backhand index pointing right
👊 oncoming fist|👋 waving hand|👌 OK hand|👏 clapping hands|👐 open hands|🖐️ hand with fingers splayed
🖕 middle finger|🖖 vulcan salute|💪 flexed biceps|💓 beating heart|💔 broken heart|💕 two hearts
💖 sparkling heart|💗 growing heart|💘 heart with arrow|💙 blue heart|💚 green heart|💛 yellow heart
💜 purple heart|💝 heart with ribbon|💞 revolving hearts|💟 heart decoration|🧡 orange heart|💠 diamond with a dot
💡 light bulb|💢 anger symbol|💣 bomb|💤 ZZZ|💥 collision|💦 sweat droplets
💧 droplet|💨 dashing away|💩 pile of poo|💫 dizzy|💬 speech balloon|💭 thought balloon
💮 white flower|☀️ sun|☁️ cloud|☂️ umbrella|☃️ snowman|☄️ comet
☎️ telephone|☑️ check box with check|☔ umbrella with rain drops|☕ hot beverage|☘️ shamrock|☝️ index pointing up
☠️ skull and crossbones|☢️ radioactive|☣️ biohazard|☦️ orthodox cross|☪️ star and crescent|☮️ peace symbol
☯️ yin yang|☸️ wheel of dharma|☹️ frowning face|☺️ smiling face|♀️ female sign|♂️ male sign
♈ Aries|♉ Taurus|♊ Gemini|♋ Cancer|♌ Leo|♍ Virgo
♎ Libra|♏ Scorpio|♐ Sagittarius|♑ Capricorn|♒ Aquarius|♓ Pisces
♟️ chess pawn|♠️ spade suit|♣️ club suit|♥️ heart suit|♦️ diamond suit|♨️ hot springs
♻️ recycling symbol|♾️ infinity|♿ wheelchair symbol|⚒️ hammer and pick|⚓ anchor|⚔️ crossed swords
⚕️ medical symbol|⚖️ balance scale|⚗️ alembic|⚙️ gear|⚛️ atom symbol|⚜️ fleur-de-lis
⚠️ warning|⚡ high voltage|⚪ white circle|⚫ black circle|⚰️ coffin|⚱️ funeral urn
⚽ soccer ball|⚾ baseball|⛄ snowman without snow|⛅ sun behind cloud|⛈️ cloud with lightning and rain|⛎ Ophiuchus
⛏️ pick|⛑️ rescue worker’s helmet|⛓️ chains|⛔ no entry|⛩️ shinto shrine|⛪ church
⛰️ mountain|⛱️ umbrella on ground|⛲ fountain|⛳ flag in hole|⛴️ ferry|⛵ sailboat
⛷️ skier|⛸️ ice skate|⛹️ person bouncing ball|⛺ tent|⛽ fuel pump|✂️ scissors
✈️ airplane|✉️ envelope|✊ raised fist|✋ raised hand|✌️ victory hand|✍️ writing hand
✏️ pencil|✒️ black nib|✔️ check mark|✖️ multiply|✝️ latin cross|✡️ star of David
✨ sparkles|✳️ eight-spoked asterisk|✴️ eight-pointed star|❄️ snowflake|❇️ sparkle|❌ cross mark
❎ cross mark button|❓ red question mark|❔ white question mark|❕ white exclamation mark|❗ red exclamation mark|❣️ heart exclamation
➕ plus|➖ minus|➗ divide|➡️ right arrow|➰ curly loop|➿ double curly loop
🌀 cyclone|🌁 foggy|🌂 closed umbrella|🌃 night with stars|🌄 sunrise over mountains|🌅 sunrise
🌆 cityscape at dusk|🌇 sunset|🌈 rainbow|🌉 bridge at night|🌊 water wave|🌋 volcano
🌌 milky way|🌍 globe showing Europe-Africa|🌎 globe showing Americas|🌏 globe showing Asia-Australia|🌐 globe with meridians|🌑 new moon
🌒 waxing crescent moon|🌓 first quarter moon|🌔 waxing gibbous moon|🌕 full moon|🌖 waning gibbous moon|🌗 last quarter moon
🌘 waning crescent moon|🌙 crescent moon|🌚 new moon face|🌛 first quarter moon face|🌜 last quarter moon face|🌝 full moon face
🌞 sun with face|🌟 glowing star|🌠 shooting star|🌡️ thermometer|🌤️ sun behind small cloud|🌥️ sun behind large cloud
🌦️ sun behind rain cloud|🌧️ cloud with rain|🌨️ cloud with snow|🌩️ cloud with lightning|🌪️ tornado|🌫️ fog
🌬️ wind face|🌭 hot dog|🌮 taco|🌯 burrito|🌰 chestnut|🌱 seedling
🌲 evergreen tree|🌳 deciduous tree|🌴 palm tree|🌵 cactus|🌶️ hot pepper|🌷 tulip
🌸 cherry blossom|🌹 rose|🌺 hibiscus|🌻 sunflower|🌼 blossom|🌽 ear of corn
🌾 sheaf of rice|🌿 herb|🍀 four leaf clover|🍁 maple leaf|🍂 fallen leaf|🍃 leaf fluttering in wind
🍄 mushroom|🍅 tomato|🍆 eggplant|🍇 grapes|🍈 melon|🍉 watermelon
🍊 tangerine|🍋 lemon|🍌 banana|🍍 pineapple|🍎 red apple|🍏 green apple
🍐 pear|🍑 peach|🍒 cherries|🍓 strawberry|🍔 hamburger|🍕 pizza
🍖 meat on bone|🍗 poultry leg|🍘 rice cracker|🍙 rice ball|🍚 cooked rice|🍛 curry rice
🍜 steaming bowl|🍝 spaghetti|🍞 bread|🍟 french fries|🍠 roasted sweet potato|🍡 dango
🍢 oden|🍣 sushi|🍤 fried shrimp|🍥 fish cake with swirl|🍦 soft ice cream|🍧 shaved ice
🍨 ice cream|🍩 doughnut|🍪 cookie|🍫 chocolate bar|🍬 candy|🍭 lollipop
🍮 custard|🍯 honey pot|🍰 shortcake|🍱 bento box|🍲 pot of food|🍳 cooking
"""

EMOJI: tuple[tuple[str, str], ...] = tuple(
    (entry.split(" ", 1)[0], entry.split(" ", 1)[1])
    for line in _TABLE.strip().splitlines()
    for entry in line.split("|")
)
"""(emoji, name) in the picker's order."""
