# SPDX-License-Identifier: MIT
# Turn a text file into a C array: cmake -DIN=f -DOUT=f.c -DSYMBOL=name -P embed.cmake
file(READ ${IN} HEX HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "(char)0x\\1," BODY "${HEX}")
file(WRITE ${OUT} "/* generated from ${IN}: do not edit */\nconst char ${SYMBOL}[] = {${BODY}0x00};\n")
